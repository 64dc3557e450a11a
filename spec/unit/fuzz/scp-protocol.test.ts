// Seeded fuzzing of what an SCP peer sends (docs/protocol.md §2, §3, §8):
// the record parser, the sink's decoder and the reply decoder either give
// the right answer or an ScpipeError, never another exception, and never
// hold more than the documented line limits. A failing seed is kept below.
import { parseRecord } from '../../../lib/protocol/record-parser';
import { encodeDirectory, encodeEnd, encodeFile, encodeTimes, FILE_MODE_MASK, INT64_MAX, MAX_LINE_BYTES } from '../../../lib/protocol/records';
import { ReplyDecoder, type Reply } from '../../../lib/protocol/replies';
import { SinkDecoder } from '../../../lib/protocol/sink-decoder';
import type { SinkEvent } from '../../../lib/protocol/sink-types';
import { fuzz, mutate, Rng, split } from '../../helpers/fuzz';

const SEEDS = [1, 2, 3, 5, 8, 13, 21, 34];
const NAME_CHARS = Array.from('ab .-_é中\u2028\r\t\x01\x1b#\\😀');

function randomName(rng: Rng): string {
  for (;;) {
    const n = Array.from({ length: 1 + rng.int(12) }, () => rng.pick(NAME_CHARS)).join('');
    if (n !== '.' && n !== '..') return n;
  }
}

function randomSize(rng: Rng): bigint {
  return rng.pick([0n, 1n, BigInt(rng.int(5000)), INT64_MAX, BigInt(rng.int(2 ** 31)) * BigInt(rng.int(2 ** 31))]);
}

const line = (b: Buffer): Buffer => b.subarray(0, b.length - 1);

it('parses every record scp can send back to what was sent', () => {
  fuzz(SEEDS, 300, (rng) => {
    const mode = rng.int(0o10000) & FILE_MODE_MASK;
    const name = randomName(rng);
    const size = randomSize(rng);
    expect(parseRecord(line(encodeFile(mode, size, name)))).toEqual({ type: 'C', mode, size, name });
    expect(parseRecord(line(encodeDirectory(mode, name)))).toEqual({ type: 'D', mode, name });
    const times = { mtime: randomSize(rng), atime: randomSize(rng) };
    expect(parseRecord(line(encodeTimes(times)))).toEqual({ type: 'T', ...times, mtimeUsec: 0, atimeUsec: 0 });
  });
});

it('answers a changed record with a record or ERR_PROTOCOL', () => {
  const records = [encodeFile(0o644, 12345n, 'a name'), encodeDirectory(0o755, 'd'), encodeTimes({ mtime: 1n, atime: 2n }), encodeEnd(), Buffer.from('\x01scp: x\n')];
  fuzz(SEEDS, 1000, (rng) => {
    const bytes = mutate(rng, rng.pick(records));
    const nl = bytes.indexOf(10);
    const r = parseRecord(nl === -1 ? bytes : bytes.subarray(0, nl));
    if (r.type === 'C') expect(r.size <= INT64_MAX && r.mode <= 0o7777).toBe(true);
  });
});

// A stream as scp -f sends it: records, bodies and their status bytes.
function randomStream(rng: Rng): Buffer {
  const parts: Buffer[] = [];
  for (let i = rng.int(6); i > 0; i--) {
    if (rng.chance(0.3)) parts.push(encodeTimes({ mtime: randomSize(rng), atime: 0n }));
    if (rng.chance(0.3)) parts.push(encodeDirectory(0o755, randomName(rng)), encodeEnd());
    else {
      const body = rng.bytes(rng.int(1000));
      parts.push(encodeFile(0o644, BigInt(body.length), randomName(rng)), body, Buffer.from([0]));
    }
  }
  return Buffer.concat(parts);
}

// Every event of `chunks`, bodies merged, as a sink that accepts every file sees them.
function decode(chunks: Buffer[]): unknown[] {
  const d = new SinkDecoder();
  const out: unknown[] = [];
  const add = (ev: SinkEvent): void => {
    const last = out[out.length - 1] as { data?: Buffer[] } | undefined;
    if (ev.kind === 'data' && last?.data) last.data.push(ev.chunk);
    else out.push(ev.kind === 'data' ? { data: [ev.chunk] } : ev);
  };
  for (const c of chunks) {
    d.push(c);
    for (let ev = d.next(); ev; ev = d.next()) {
      add(ev);
      if (ev.kind === 'record' && ev.record.type === 'C') d.beginData(ev.record.size);
    }
  }
  return out.map((e) => ((e as { data?: Buffer[] }).data ? { data: Buffer.concat((e as { data: Buffer[] }).data) } : e));
}

it('decodes a stream the same whatever pieces it comes in', () => {
  fuzz(SEEDS, 30, (rng) => {
    const stream = randomStream(rng);
    expect(decode(split(rng, stream))).toEqual(decode([stream]));
  });
});

it('answers a changed stream with events or ERR_PROTOCOL, holding no more than a line', () => {
  fuzz(SEEDS, 150, (rng) => void decode(split(rng, mutate(rng, randomStream(rng)))));
  // A line that never ends is refused once it is longer than a line can be.
  const d = new SinkDecoder();
  d.push(Buffer.from('C0644 1 '));
  for (let i = 0; i < MAX_LINE_BYTES; i++) d.push(Buffer.from('x'));
  expect(() => d.next()).toThrow(expect.objectContaining({ code: 'ERR_PROTOCOL' }));
});

it('decodes replies the same whatever pieces they come in, and keeps an endless one bounded', () => {
  fuzz(SEEDS, 50, (rng) => {
    const want: Reply[] = [];
    const bytes: Buffer[] = [];
    for (let i = rng.int(10); i > 0; i--) {
      const kind = rng.pick(['ok', 'warning', 'fatal'] as const);
      const message = rng.text(rng.int(100), 'scp: x\x1b\r\té');
      want.push(kind === 'ok' ? { kind } : { kind, message });
      bytes.push(kind === 'ok' ? Buffer.from([0]) : Buffer.from(`${kind === 'warning' ? '\x01' : '\x02'}${message}\n`));
    }
    // Then a message that never ends, in random pieces.
    const endless = Buffer.concat([Buffer.from([1]), rng.bytes(rng.int(8_000)).map((b) => (b === 10 ? 11 : b))]);
    const d = new ReplyDecoder();
    const got: Reply[] = [];
    for (const c of split(rng, Buffer.concat([...bytes, endless]))) {
      d.push(c);
      for (let r = d.shift(); r; r = d.shift()) got.push(r);
    }
    expect(got).toEqual(want);
    const kept = d.partialText().replace(/ \[\d+ bytes left out\] /, '');
    expect(Buffer.byteLength(kept)).toBeLessThanOrEqual(3 * MAX_LINE_BYTES); // U+FFFD for a broken byte takes 3
  });
});
