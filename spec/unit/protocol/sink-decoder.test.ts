import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { SinkDecoder, type SinkDecoderOptions } from '../../../lib/protocol/sink-decoder';
import { encodeDirectory, encodeEnd, encodeFile, encodeTimes, encodeWarning, MAX_LINE_BYTES } from '../../../lib/protocol/records';
import type { Reply } from '../../../lib/protocol/replies';
import type { SinkEvent, SourceRecord } from '../../../lib/protocol/sink-types';
import { cpuMs } from '../../helpers/async';
import { everySplit, splitAt } from '../../helpers/fake-channel';

// One entry of an event log: data chunks merged, long bodies as a digest.
type Logged = { record: SourceRecord } | { data: string } | { data: { sha256: string; length: number } } | { status: Reply };

const C = (mode: number, size: bigint, name: string): Logged => ({ record: { type: 'C', mode, size, name } });
const D = (mode: number, name: string): Logged => ({ record: { type: 'D', mode, name } });
const E: Logged = { record: { type: 'E' } };
const T = (mtime: number, atime: number): Logged => ({
  record: { type: 'T', mtime: BigInt(mtime), mtimeUsec: 0, atime: BigInt(atime), atimeUsec: 0 },
});
const warning = (message: string): Logged => ({ record: { type: 'warning', message } });
const data = (text: string): Logged => ({ data: text });
const OK: Logged = { status: { kind: 'ok' } };

function logData(parts: Buffer[]): Logged {
  const body = Buffer.concat(parts);
  if (body.length <= 64) return { data: body.toString('utf8') };
  return { data: { sha256: createHash('sha256').update(body).digest('hex'), length: body.length } };
}

// Drives a decoder like a sink that accepts every file: beginData() after each C.
function decode(chunks: Buffer[], options?: SinkDecoderOptions): { log: Logged[]; clean: boolean } {
  const d = new SinkDecoder(options);
  const log: Logged[] = [];
  let parts: Buffer[] = [];
  let body = 0n;
  const onEvent = (ev: SinkEvent): void => {
    if (ev.kind === 'data') {
      if (ev.chunk.length === 0) throw new Error('empty data event');
      parts.push(ev.chunk);
      return;
    }
    if (parts.length > 0) log.push(logData(parts));
    parts = [];
    if (ev.kind === 'status') return void log.push({ status: ev.reply });
    log.push({ record: ev.record });
    if (ev.record.type === 'C') {
      d.beginData(ev.record.size);
      body = ev.record.size;
    }
  };
  for (const chunk of chunks) {
    d.push(chunk);
    for (let ev = d.next(); ev; ev = d.next()) {
      if (ev.kind === 'data') body -= BigInt(ev.chunk.length);
      if (body < 0n) throw new Error('data past the announced size');
      onEvent(ev);
    }
  }
  if (parts.length > 0) log.push(logData(parts));
  return { log, clean: d.atBoundary() };
}

// Recorded from OpenSSH 9.2's `scp -f` by scripts/record-transcripts.sh, which
// also describes the input tree these logs come from.
const SEQ_1_400 = { sha256: '079c7f8c11c1f937511ef9b17fdcc14345730c69d29d3d269175eb545ce02f45', length: 1492 };
const transcripts: Record<string, Logged[]> = {
  single: [C(0o644, 5n, 'f1'), data('hello'), OK],
  'single-p': [T(1000000000, 1100000000), C(0o644, 5n, 'f1'), data('hello'), OK],
  'tree-r': [
    D(0o755, 'tree'),
    C(0o600, 0n, 'empty'), OK, // an empty file: no data, the status byte at once
    C(0o644, 6n, 'a.txt'), data('alpha\n'), OK,
    D(0o750, 'sub'),
    C(0o755, 1492n, 'seq.txt'), { data: SEQ_1_400 }, OK,
    D(0o700, 'void'), E, // an empty directory
    E,
    E,
  ],
  'tree-rp': [
    T(1200000000, 1200000001), D(0o755, 'tree'),
    T(1400000000, 1400000001), C(0o600, 0n, 'empty'), OK,
    T(1300000000, 1300000001), C(0o644, 6n, 'a.txt'), data('alpha\n'), OK,
    T(1500000000, 1500000001), D(0o750, 'sub'),
    T(1600000000, 1600000001), C(0o755, 1492n, 'seq.txt'), { data: SEQ_1_400 }, OK,
    T(1700000000, 1700000001), D(0o700, 'void'), E,
    E,
    E,
  ],
  names: [
    C(0o644, 1n, 'sp ace.txt'), data('x'), OK,
    C(0o644, 1n, 'nl\\^Jname'), data('x'), OK, // OpenSSH vis-encodes a newline (docs/protocol.md §2)
    C(0o644, 1n, ' lead'), data('x'), OK,
    C(0o644, 1n, 'trail '), data('x'), OK,
    C(0o644, 1n, 'ünï.txt'), data('x'), OK,
    C(0o644, 1n, 'cr\r'), data('x'), OK,
  ],
  errors: [
    warning('scp: nope: No such file or directory'), // unsolicited, not acked (docs/protocol.md §4.1)
    warning('scp: tree: not a regular file'),
    C(0o644, 5n, 'f1'), data('hello'), OK,
  ],
};

describe('SinkDecoder on real scp -f transcripts (docs/protocol.md §4.2)', () => {
  it.each(Object.keys(transcripts))('%s.bin: same events whole, split at every offset, byte by byte', (name) => {
    const bytes = readFileSync(path.join(__dirname, '../../fixtures/transcripts', `${name}.bin`));
    for (const chunks of everySplit(bytes)) {
      expect(decode(chunks)).toEqual({ log: transcripts[name], clean: true });
    }
  });

  it('gives the same events for input built with our encoders', () => {
    const bytes = Buffer.concat([
      encodeTimes({ mtime: 1n, atime: 2n }),
      encodeDirectory(0o755, 'd'),
      encodeFile(0o644, 3n, 'x'), Buffer.from('abc\0'),
      encodeWarning('y: Permission denied'),
      encodeEnd(),
    ]);
    const golden = [T(1, 2), D(0o755, 'd'), C(0o644, 3n, 'x'), data('abc'), OK, warning('scp: y: Permission denied'), E];
    for (const chunks of everySplit(bytes)) expect(decode(chunks)).toEqual({ log: golden, clean: true });
  });
});

describe('SinkDecoder data and status', () => {
  it('yields views of the pushed chunks (no copy), never past the announced size', () => {
    const d = new SinkDecoder();
    const chunk = Buffer.from('C0644 3 x\nabc\0E\n');
    d.push(chunk);
    expect(d.next()).toEqual({ kind: 'record', record: { type: 'C', mode: 0o644, size: 3n, name: 'x' } });
    d.beginData(3n);
    const ev = d.next();
    expect(ev).toEqual({ kind: 'data', chunk: Buffer.from('abc') });
    const view = (ev as { chunk: Buffer }).chunk;
    expect(view.buffer).toBe(chunk.buffer);
    expect(view.byteOffset).toBe(chunk.byteOffset + 10);
    expect(d.next()).toEqual({ kind: 'status', reply: { kind: 'ok' } });
    expect(d.next()).toEqual({ kind: 'record', record: { type: 'E' } });
    expect(d.next()).toBeUndefined();
  });

  it('gives one data event per pushed chunk piece', () => {
    const d = new SinkDecoder();
    d.push(Buffer.from('C0644 5 x\nab'));
    d.next();
    d.beginData(5n);
    expect(d.next()).toEqual({ kind: 'data', chunk: Buffer.from('ab') });
    expect(d.next()).toBeUndefined();
    d.push(Buffer.from('c'));
    d.push(Buffer.from('de\0'));
    expect([d.next(), d.next(), d.next()]).toEqual([
      { kind: 'data', chunk: Buffer.from('c') },
      { kind: 'data', chunk: Buffer.from('de') },
      { kind: 'status', reply: { kind: 'ok' } },
    ]);
  });

  it('takes an empty file: no data event, just the status', () => {
    expect(decode([Buffer.from('C0644 0 e\n\0')]).log).toEqual([C(0o644, 0n, 'e'), OK]);
  });

  it('reads \\1, \\2 and stray text after the body like response() (docs/protocol.md §3)', () => {
    const body = (status: string): Buffer => Buffer.concat([encodeFile(0o644, 1n, 'f'), Buffer.from(`x${status}`)]);
    const statusOf = (status: string): Reply[] =>
      everySplit(body(status)).map((chunks) => {
        const log = decode(chunks).log;
        return (log[2] as { status: Reply }).status;
      });
    for (const r of statusOf('\x01scp: f: Input/output error\n')) expect(r).toEqual({ kind: 'warning', message: 'scp: f: Input/output error' });
    for (const r of statusOf('\x02bye\n')) expect(r).toEqual({ kind: 'fatal', message: 'bye' });
    for (const r of statusOf('Xstray\n')) expect(r).toEqual({ kind: 'unexpected', message: 'Xstray' });
  });

  it('stays in record mode after a C the sink refused (the source sends no data)', () => {
    const d = new SinkDecoder();
    d.push(Buffer.concat([encodeFile(0o644, 5n, 'f'), encodeFile(0o644, 1n, 'g')]));
    expect(d.next()).toMatchObject({ record: { name: 'f' } });
    expect(d.next()).toMatchObject({ record: { name: 'g' } }); // no beginData(): the next line is a record
  });

  it('refuses beginData() anywhere but right after a C record', () => {
    const d = new SinkDecoder();
    expect(() => d.beginData(1n)).toThrow(expect.objectContaining({ code: 'ERR_USAGE' }));
    d.push(Buffer.from('T1 0 2 0\n'));
    d.next();
    expect(() => d.beginData(1n)).toThrow(expect.objectContaining({ code: 'ERR_USAGE' }));
  });

  it('reports boundaries, pending bytes and state', () => {
    const d = new SinkDecoder();
    expect(d.atBoundary()).toBe(true);
    d.push(Buffer.from('C0644 2 f'));
    expect(d.next()).toBeUndefined(); // nothing consumed from a partial line
    expect([d.atBoundary(), d.pendingBytes, d.state]).toEqual([false, 9, 'record']);
    d.push(Buffer.from('\na'));
    d.next();
    d.beginData(2n);
    d.next();
    expect([d.atBoundary(), d.pendingBytes, d.state]).toEqual([false, 0, 'data']);
    d.push(Buffer.from('b'));
    d.next();
    expect([d.atBoundary(), d.state]).toEqual([false, 'status']);
    d.push(Buffer.from('\0'));
    d.next();
    expect([d.atBoundary(), d.pendingBytes, d.state]).toEqual([true, 0, 'record']);
  });
});

describe('SinkDecoder: hostile sources', () => {
  const fails = (bytes: Buffer | string, code: string, message: string, options?: SinkDecoderOptions): void => {
    const input = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
    for (const chunks of everySplit(input)) {
      expect(() => decode(chunks, options)).toThrow(expect.objectContaining({ code, message }));
    }
  };

  it('refuses a line starting with \\n, first or later', () => {
    fails('\n', 'ERR_PROTOCOL', 'protocol error: unexpected <newline>');
    fails('T1 0 2 0\n\nC0644 1 x\n', 'ERR_PROTOCOL', 'protocol error: unexpected <newline>');
  });

  it('passes a stray first line on as the remote message, escaped (docs/protocol.md §4.2)', () => {
    fails('No match.\n', 'ERR_REMOTE', 'remote: No match.');
    fails('hello \x1b[31mworld\r\n', 'ERR_REMOTE', 'remote: hello \\x1b[31mworld\\r');
  });

  it('calls a stray later line "expected control record"', () => {
    fails('C0644 1 x\nx\0hello world\n', 'ERR_PROTOCOL', 'protocol error: expected control record');
  });

  it('reports parse errors with OpenSSH wording', () => {
    fails('C644 1 x\n', 'ERR_PROTOCOL', 'protocol error: bad mode');
    fails('C0644 9223372036854775808 x\n', 'ERR_PROTOCOL', 'protocol error: size out of range');
    fails('T1 0 2 0 \n', 'ERR_PROTOCOL', 'protocol error: atime.usec not delimited');
  });

  it('accepts a header of exactly 2047 bytes with its newline (docs/protocol.md §8)', () => {
    const longest = encodeFile(0o644, 0n, 'n'.repeat(MAX_LINE_BYTES - 'C0644 0 \n'.length));
    expect(longest).toHaveLength(MAX_LINE_BYTES);
    expect(decode([longest, Buffer.from('\0')]).log).toHaveLength(2);
    expect(decode([...longest].map((b) => Buffer.from([b]))).log).toHaveLength(1);
    const tooLong = Buffer.from(`C0644 0 ${'n'.repeat(MAX_LINE_BYTES - 'C0644 0 \n'.length + 1)}\n`);
    for (const chunks of [[tooLong], splitAt(tooLong, [2047]), splitAt(tooLong, [2046])]) {
      expect(() => decode(chunks)).toThrow(expect.objectContaining({ code: 'ERR_PROTOCOL', message: 'protocol error: header line too long' }));
    }
  });

  it('fails a 5000-byte line as soon as it is too long, without buffering it all', () => {
    const d = new SinkDecoder();
    const line = Buffer.alloc(5000, 0x43);
    let pushed = 0;
    const run = (): void => {
      for (; pushed < line.length; pushed += 100) {
        d.push(line.subarray(pushed, pushed + 100));
        expect(d.next()).toBeUndefined();
      }
    };
    expect(run).toThrow(expect.objectContaining({ code: 'ERR_PROTOCOL', message: 'protocol error: header line too long' }));
    expect(pushed).toBe(2000); // the chunk that brought 2100 bytes, not 5000
    expect(d.pendingBytes).toBe(2100);
    expect(() => d.next()).toThrow(/header line too long/); // and it stays failed
  });

  // The search for its end began at the front for every piece: a 16 KiB
  // message a byte per packet took two minutes of CPU (serve's one thread).
  it('reads a long \\1 message sent a byte at a time in linear time', () => {
    const d = new SinkDecoder();
    const early: unknown[] = [];
    // CPU time, not wall time: the quadratic search took minutes, a loaded machine stretches either.
    const used = cpuMs(() => {
      d.push(Buffer.from([1]));
      for (let i = 0; i < 8 * MAX_LINE_BYTES - 2; i++) {
        d.push(Buffer.from('x'));
        const event = d.next();
        if (event !== undefined) early.push(event);
      }
    });
    expect(early).toEqual([]);
    d.push(Buffer.from('\n'));
    expect(d.next()).toEqual({ kind: 'record', record: { type: 'warning', message: 'x'.repeat(8 * MAX_LINE_BYTES - 2) } });
    expect(used).toBeLessThan(5_000);
  });

  it('honours a smaller maxLine, for lines and status messages', () => {
    fails('C0644 1 abcdefgh\n', 'ERR_PROTOCOL', 'protocol error: header line too long', { maxLine: 16 });
    expect(decode([Buffer.from('C0644 1 abcdefg\n')], { maxLine: 16 }).log).toEqual([C(0o644, 1n, 'abcdefg')]);
    fails(`C0644 1 f\nx\x01scp: ${'0'.repeat(16 * 8)}\n`, 'ERR_PROTOCOL', 'protocol error: reply line too long', { maxLine: 16 });
  });

  // scp's "PATH: File name too long" for a path near PATH_MAX is over 4 KiB:
  // it was "protocol error: header line too long", its reason lost.
  it('takes a \\1 or \\2 message of up to 8 lines, as the remote\'s error, not a protocol error', () => {
    const message = `scp: /${'d'.repeat(4100)}: File name too long`;
    expect(decode([Buffer.from(`\x01${message}\n`)]).log).toEqual([warning(message)]);
    expect(decode([Buffer.from(`C0644 1 f\nx\x01${message}\n`)]).log.at(-1)).toEqual({ status: { kind: 'warning', message } });
    // A \2 (scp's fatal error) as well: its reason is what the user must see.
    expect(decode([Buffer.from(`\x02${message}\n`)]).log).toEqual([{ record: { type: 'fatal', message } }]);
    expect(decode([Buffer.from(`C0644 1 f\nx\x02${message}\n`)]).log.at(-1)).toEqual({ status: { kind: 'fatal', message } });
    fails(`\x02${'e'.repeat(MAX_LINE_BYTES * 8)}\n`, 'ERR_PROTOCOL', 'protocol error: header line too long');
  });

  it('keeps \\1 lines raw in the record (escaping is for display)', () => {
    expect(decode([Buffer.from('\x01scp: \x1b]0;pwned\x07\n')]).log).toEqual([warning('scp: \x1b]0;pwned\x07')]);
  });
});

// A source that ends a file's body with EOF instead of its status byte
// (libssh2): taken as \0 only right after a whole body, never over a reply
// line the source had begun: a cut "\1scp: f: read error" is no success.
describe('SinkDecoder.endWithoutStatus', () => {
  const afterBody = (body: string, size = 3n): SinkDecoder => {
    const d = new SinkDecoder();
    d.push(Buffer.concat([encodeFile(0o644, size, 'f'), Buffer.from(body)]));
    expect(d.next()).toMatchObject({ kind: 'record', record: { type: 'C' } });
    d.beginData(size);
    expect(d.next()).toMatchObject({ kind: 'data' });
    return d;
  };

  it('takes EOF right after the whole body as \\0, back at a record boundary', () => {
    const d = afterBody('abc');
    expect(d.endWithoutStatus()).toBe(true);
    expect(d.atBoundary()).toBe(true);
  });

  it('not when a \\1 line had begun', () => {
    const d = afterBody('abc\x01scp: f: read err');
    expect(d.next()).toBeUndefined();
    expect(d.endWithoutStatus()).toBe(false);
    expect(d.state).toBe('status');
  });

  it('not in the middle of the body', () => {
    const d = afterBody('ab', 3n);
    expect(d.endWithoutStatus()).toBe(false);
    expect(d.state).toBe('data');
  });
});

describe('SinkDecoder after a protocol violation', () => {
  it('stays failed: the next call throws the same error, and does not read on to the next record', () => {
    const d = new SinkDecoder();
    d.push(Buffer.from('E\nQbad\nE\n'));
    expect(d.next()).toEqual({ kind: 'record', record: { type: 'E' } });
    const thrown = (): unknown => {
      try {
        d.next();
      } catch (err) {
        return err;
      }
      return 'no error';
    };
    const first = thrown();
    expect(first).toMatchObject({ code: 'ERR_PROTOCOL', message: 'protocol error: expected control record' });
    expect(thrown()).toBe(first);
  });
});
