// The sink role over a scripted peer playing back what the real `scp -f`
// sent (spec/fixtures/transcripts, recorded by scripts/record-transcripts.sh),
// split at every chunk boundary: the same handler calls and the same acks.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ScpSink } from '../../../lib/protocol/sink';
import type { SinkHandler } from '../../../lib/protocol/sink-types';
import { everySplit, fakePeer, splitAt } from '../../helpers/fake-channel';

const transcript = (name: string): Buffer => readFileSync(join(__dirname, '../../fixtures/transcripts', `${name}.bin`));

function recorder(opts: { refuse?: string; slow?: boolean } = {}): { handler: SinkHandler; log: string[] } {
  const log: string[] = [];
  const handler: SinkHandler = {
    openFile: async (file, times) => {
      log.push(`open ${file.name} ${file.size} ${file.mode.toString(8)}${times ? ` t${times.mtime}` : ''}`);
      if (file.name === opts.refuse) return { error: `${file.name}: Permission denied` };
      const hash = createHash('sha256');
      return {
        write: async (chunk) => {
          hash.update(chunk);
          if (opts.slow) await new Promise((r) => setImmediate(r));
        },
        finish: async ({ ok }) => {
          log.push(`done ${file.name} ${ok} ${hash.digest('hex').slice(0, 8)}`);
          return undefined;
        },
        abort: async () => void log.push(`abort ${file.name}`),
      };
    },
    enterDirectory: async (dir, times) => void log.push(`enter ${dir.name} ${dir.mode.toString(8)}${times ? ` t${times.mtime}` : ''}`),
    leaveDirectory: async (depth) => void log.push(`leave ${depth}`),
  };
  return { handler, log };
}

async function runSink(chunks: Buffer[], recursive: boolean, opts: { refuse?: string; slow?: boolean; maxTopLevel?: number } = {}) {
  const peer = fakePeer({ chunks, closeEarly: true });
  const { handler, log } = recorder(opts);
  const sink = new ScpSink(peer.channel, handler, { recursive, maxTopLevel: opts.maxTopLevel });
  const result = await sink.run().catch((e: unknown) => e);
  // Let the peer take in what the sink wrote before it returned.
  for (let i = 0; i < 1000 && (peer.channel.stdin.writableLength > 0 || i < 3); i++) await new Promise((r) => setImmediate(r));
  return { result, log, sent: peer.sent() };
}

describe('ScpSink (docs/protocol.md §4.2) over recorded scp -f transcripts', () => {
  it('stores a -r -p tree identically at every chunk boundary', async () => {
    const bytes = transcript('tree-rp');
    const golden = await runSink([bytes], true);
    expect(golden.result).toEqual({ code: 0, signal: null });
    expect(golden.log[0]).toMatch(/^enter /);
    expect(golden.log.filter((l) => l.startsWith('open'))).toHaveLength(golden.log.filter((l) => l.startsWith('done')).length);
    // One \0 to start, then one per T, C, D and E record and per file body (§4.2).
    const count = (re: RegExp): number => golden.log.filter((l) => re.test(l)).length;
    const acks = 1 + count(/ t\d+$/) + count(/^open/) + count(/^done/) + count(/^enter/) + count(/^leave/);
    expect(golden.sent).toEqual(Buffer.alloc(acks));
    const step = Math.max(1, Math.floor(bytes.length / 300));
    for (let cut = 1; cut < bytes.length; cut += step) {
      const run = await runSink(splitAt(bytes, [cut]), true);
      expect(run).toEqual(golden);
    }
  });

  it('handles a single file byte by byte with a slow consumer', async () => {
    const bytes = transcript('single-p');
    const golden = await runSink([bytes], false);
    expect(golden.result).toEqual({ code: 0, signal: null });
    for (const chunks of everySplit(bytes)) expect(await runSink(chunks, false, { slow: true })).toEqual(golden);
    expect(golden.sent).toEqual(Buffer.from([0, 0, 0, 0])); // start, T, C, end of file
  });

  // The peer escapes what it prints (OpenSSH's scp in octal): sent escaped,
  // a\xff came out there as `a\\xff`.
  it('names a name that is not UTF-8 by its bytes in the \\1 that skips it', async () => {
    const bytes = Buffer.concat([Buffer.from('C0644 2 a'), Buffer.from([0xff]), Buffer.from('\nC0644 2 b\nhi\0')]);
    const { result, log, sent } = await runSink([bytes], false, { maxTopLevel: 2 });
    expect(result).toMatchObject({ code: 'ERR_LOCAL_IO', message: 'a\\xff: name is not valid UTF-8, skipped' });
    expect(log).toEqual(['open b 2 644', `done b true ${createHash('sha256').update('hi').digest('hex').slice(0, 8)}`]);
    expect(sent).toEqual(Buffer.concat([Buffer.from('\0\x01scp: a'), Buffer.from([0xff]), Buffer.from(': name is not valid UTF-8, skipped\n\0\0')]));
  });

  it('refuses one file with a single \\1 and takes the next (the source skips the data)', async () => {
    const bytes = Buffer.from('C0644 3 a\nC0644 2 b\nhi\0');
    const { result, log, sent } = await runSink([bytes], false, { refuse: 'a' });
    expect(result).toMatchObject({ code: 'ERR_LOCAL_IO', message: 'a: Permission denied' });
    expect(log).toEqual(['open a 3 644', 'open b 2 644', `done b true ${createHash('sha256').update('hi').digest('hex').slice(0, 8)}`]);
    expect(sent).toEqual(Buffer.from('\0\x01scp: a: Permission denied\n\0\0'));
  });

  it('reports \\1 lines from the source (missing file, directory without -r) and still stores the rest', async () => {
    const { result, log } = await runSink([transcript('errors')], false);
    expect(result).toMatchObject({ code: 'ERR_NO_SUCH_FILE' }); // the first: the missing file
    expect(log.some((l) => l.startsWith('done'))).toBe(true);
  });

  it.each([
    ['a cut header line', 'record', 'C0644 5 fo'],
    ['a cut body', 'file', 'C0644 5 foo\nab'],
    ['a missing status byte after the body', 'file', 'C0644 2 foo\nab'],
  ])('reports %s as a lost connection in the middle of a %s', async (_what, where, bytes) => {
    const { result } = await runSink([Buffer.from(bytes)], false);
    expect(result).toMatchObject({ code: 'ERR_LOST_CONNECTION', message: expect.stringMatching(new RegExp(`^connection lost in the middle of a ${where}\\b`)) });
  });

  // What follows a body decides whether the file is kept: only \0 is a file
  // sent whole. A \1 (the source could not read it all) is a failed file,
  // stray text or a lost connection a failed copy; neither is kept as good.
  it('a \\1 after the body: the file is finished as failed, and the copy fails with the source\'s message', async () => {
    const { result, log } = await runSink([Buffer.from('C0644 2 foo\nab\x01scp: foo: Input/output error\n')], false);
    expect(log).toEqual(['open foo 2 644', `done foo false ${createHash('sha256').update('ab').digest('hex').slice(0, 8)}`]);
    // What came after the failed read is filler, and the message says so.
    expect(result).toMatchObject({ message: 'remote: scp: foo: Input/output error (the remote could not read the file to its end, and sent filler in place of the rest: the bytes received are not the file)' });
    expect((result as { code?: unknown }).code).not.toBe(0);
  });

  it('stray text after the body: the file is aborted, not finished', async () => {
    const { result, log } = await runSink([Buffer.from('C0644 2 foo\nabnot a status\n')], false);
    expect(log).toEqual(['open foo 2 644', 'abort foo']);
    expect(result).toBeInstanceOf(Error);
  });

  it('a connection lost in the body: the file is aborted', async () => {
    const { result, log } = await runSink([Buffer.from('C0644 5 foo\nab')], false);
    expect(log).toEqual(['open foo 5 644', 'abort foo']);
    expect(result).toMatchObject({ code: 'ERR_LOST_CONNECTION' });
  });

  // `get` to stdout asks for one file: a second from the remote is refused (DESIGN.md safety rules).
  it('with maxTopLevel 1, refuses a second top-level entry, and counts no entry inside a directory', async () => {
    const two = await runSink([Buffer.from('C0644 1 a\nx\0C0644 1 b\ny\0')], false, { maxTopLevel: 1 });
    expect(two.result).toMatchObject({ code: 'ERR_UNSAFE_NAME', message: 'refusing "b": the remote sent more entries than were requested' });
    expect(two.log.filter((l) => l.startsWith('open'))).toEqual(['open a 1 644']);
    expect(two.sent.toString()).toBe('\0\0\0\x01scp: protocol error: unexpected extra file\n');
    const tree = await runSink([Buffer.from('D0755 0 d\nC0644 1 a\nx\0C0644 1 b\ny\0E\n')], true, { maxTopLevel: 1 });
    expect(tree.result).toEqual({ code: 0, signal: null });
    expect(tree.log.filter((l) => l.startsWith('open'))).toEqual(['open a 1 644', 'open b 1 644']);
  });

  it('sends \\1 and fails on a directory without -r', async () => {
    const { result, sent } = await runSink([Buffer.from('D0755 0 d\nE\n')], false);
    expect(result).toMatchObject({ code: 'ERR_PROTOCOL' });
    expect(sent.toString()).toBe('\0\x01scp: protocol error: received directory without -r\n');
  });
});
