import { getEventListeners } from 'node:events';
import { ScpSource } from '../../../lib/protocol/source';
import { ScpipeError } from '../../../lib/errors';
import { chunksOf, everySplit, fakePeer } from '../../helpers/fake-channel';
import { fromBytes } from '../../../lib/util/byte-text';

async function upload(chunks: Buffer[], file: { name?: string; size: bigint; body: AsyncIterable<Uint8Array>; localPath?: string; maxPad?: bigint }, exit = { code: 0, signal: null }) {
  const peer = fakePeer({ chunks, exit });
  const source = new ScpSource(peer.channel);
  await source.start();
  const stored = await source.sendFile({ name: file.name ?? 'f', mode: 0o644, size: file.size, body: file.body, localPath: file.localPath, maxPad: file.maxPad }).catch((e: unknown) => e);
  const status = stored instanceof Error ? stored : await source.finish().catch((e: unknown) => e);
  return { peer, stored, status };
}

describe('ScpSource (docs/protocol.md §4.1)', () => {
  it('sends C, the bytes and \\0, then EOF, at every chunk boundary of the replies', async () => {
    for (const chunks of everySplit(Buffer.from('\0\0\0'))) {
      const { peer, stored, status } = await upload(chunks, { size: 5n, body: chunksOf('he', 'llo') });
      expect(stored).toBe(true);
      expect(status).toEqual({ code: 0, signal: null });
      expect(peer.sent().toString()).toBe('C0644 5 f\nhello\0');
      expect(peer.ended).toBe(true);
    }
  });

  it('sends T before C with times', async () => {
    const peer = fakePeer({ chunks: [Buffer.from('\0\0\0\0')] });
    const source = new ScpSource(peer.channel);
    await source.start();
    await source.sendFile({ name: 'f', mode: 0o600, size: 0n, body: chunksOf(), times: { mtime: 5n, atime: 6n } });
    await source.finish();
    expect(peer.sent().toString()).toBe('T5 0 6 0\nC0600 0 f\n\0');
  });

  it('reports a \\1 reply to C with the remote message, sends no data, and still ends cleanly', async () => {
    const reply = Buffer.from('\0\x01scp: /nope/f: No such file or directory\n');
    for (const chunks of everySplit(reply)) {
      const { peer, stored, status } = await upload(chunks, { size: 3n, body: chunksOf('abc') }, { code: 1, signal: null });
      expect(stored).toBe(false);
      expect(peer.sent().toString()).toBe('C0644 3 f\n');
      expect(peer.ended).toBe(true);
      expect(status).toBeInstanceOf(ScpipeError);
      expect(status).toMatchObject({ code: 'ERR_NO_SUCH_FILE', remoteMessage: 'scp: /nope/f: No such file or directory' });
    }
  });

  it('reports a write error after the data (observed /dev/full reply)', async () => {
    const chunks = [Buffer.from('\0\0\x01scp: /dev/full: No space left on device\n')];
    const { stored, status } = await upload(chunks, { size: 3n, body: chunksOf('abc') }, { code: 1, signal: null });
    expect(stored).toBe(false);
    expect(status).toMatchObject({ code: 'ERR_NO_SPACE', message: 'remote: scp: /dev/full: No space left on device; the remote file f is left cut short, holding what fit, and its space: remove it, or store an empty file over it' });
  });

  it('a failure to set times or mode after the data leaves the file whole: nothing more is said', async () => {
    const chunks = [Buffer.from('\0\0\x01scp: /x/f: set times: Operation not permitted\n')];
    const { status } = await upload(chunks, { size: 3n, body: chunksOf('abc') }, { code: 1, signal: null });
    expect(status).toMatchObject({ code: 'ERR_REMOTE', message: 'remote: scp: /x/f: set times: Operation not permitted' });
    expect((status as ScpipeError).cutShort).toBeUndefined();
  });

  it('fails on a \\1 to the initial ack (ambiguous target, -d on a file)', async () => {
    const peer = fakePeer({ chunks: [Buffer.from('\x01scp: ambiguous target\n')], closeEarly: true, exit: { code: 1, signal: null } });
    const source = new ScpSource(peer.channel);
    await expect(source.start()).rejects.toMatchObject({ code: 'ERR_REMOTE', remoteMessage: 'scp: ambiguous target' });
    expect(peer.destroyed).toBe(true);
  });

  it('fails on a \\2 and on stray text, escaping control characters', async () => {
    for (const [bytes, message] of [
      ['\0\x02fatal \x1b[31mred\n', 'remote: fatal \\x1b[31mred'],
      ['Welcome to vault\x07\n\0', 'remote: Welcome to vault\\x07'],
    ] as const) {
      const peer = fakePeer({ chunks: [Buffer.from(bytes)] });
      const source = new ScpSource(peer.channel);
      const err = await source
        .start()
        .then(() => source.sendFile({ name: 'f', mode: 0o644, size: 0n, body: chunksOf() }))
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'ERR_REMOTE', message });
    }
  });

  it('explains a remote command that exits before the first ack (rssh refusal)', async () => {
    const peer = fakePeer({
      chunks: [],
      stderr: '\nThis account is restricted by rssh.\nAllowed commands: scp \n',
      closeEarly: true,
      exit: { code: 1, signal: null },
    });
    const err = await new ScpSource(peer.channel).start().catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'ERR_REMOTE_EXIT',
      exitCode: 1,
      message: 'remote command exited with status 1 before the transfer started: This account is restricted by rssh.',
    });
  });

  it('explains exit status 127 as a missing scp', async () => {
    const peer = fakePeer({ chunks: [], stderr: 'sh: 1: scp: not found\n', closeEarly: true, exit: { code: 127, signal: null } });
    await expect(new ScpSource(peer.channel).start()).rejects.toThrow(/scp was not found \(exit status 127\): sh: 1: scp: not found; .*--scp-path/);
  });

  it('treats a non-zero exit status as failure even when every ack was \\0', async () => {
    const { status } = await upload([Buffer.from('\0\0\0')], { size: 1n, body: chunksOf('x') }, { code: 1, signal: null });
    expect(status).toMatchObject({ code: 'ERR_REMOTE_EXIT', exitCode: 1 });
  });

  it('treats a closed channel with no exit status as a lost connection', async () => {
    const { status } = await upload([Buffer.from('\0\0\0')], { size: 1n, body: chunksOf('x') }, { code: null, signal: null } as never);
    expect(status).toMatchObject({ code: 'ERR_LOST_CONNECTION' });
  });

  it('pads a short body with zeros and sends \\1 instead of \\0 (sink stays in step)', async () => {
    const { peer, stored, status } = await upload([Buffer.from('\0\0\0')], { size: 6n, body: chunksOf('abc') }, { code: 1, signal: null });
    expect(stored).toBe(false);
    expect(peer.sent()).toEqual(Buffer.from('C0644 6 f\nabc\0\0\0\x01scp: f: input ended after 3 bytes, but 6 were announced\n'));
    // The remote hears the plain problem; the user also what is left there.
    expect(status).toMatchObject({
      code: 'ERR_SIZE_MISMATCH', bytes: 3n,
      message: 'input ended after 3 bytes, but 6 were announced; the remote file f cannot be trusted (it holds the first 3 bytes, then 3 zero bytes): remove or overwrite it',
    });
  });

  // `put --size 2T` whose producer died early: no terabytes of zeros, the file is cut off at once.
  it('a body short by more than maxPad: EOF after its bytes, no \\1, the file said to be cut short', async () => {
    const { peer, status } = await upload([Buffer.from('\0\0')], { size: 1000n, body: chunksOf('abc'), maxPad: 10n }, { code: 1, signal: null });
    expect(peer.sent()).toEqual(Buffer.from('C0644 1000 f\nabc'));
    expect(peer.ended).toBe(true);
    expect(status).toMatchObject({
      code: 'ERR_SIZE_MISMATCH', bytes: 3n, cutShort: { name: 'f', written: 3n, size: 1000n },
      message: 'input ended after 3 bytes, but 1000 were announced; the remote file f is left cut short: at most 3 of 1000 bytes written, over the start of any file of that name (a longer one keeps its bytes past them)',
    });
  });

  // cp -r of a tree where a file is truncated meanwhile: which one, among
  // many of that name, and in cp's words, not put's "input".
  it('a local file that shrank is named by its local path for the user; the remote hears its name', async () => {
    const { peer, status } = await upload([Buffer.from('\0\0\0')], { size: 6n, body: chunksOf('abc'), localPath: 'tree/sub/f' }, { code: 1, signal: null });
    expect(peer.sent()).toEqual(Buffer.from('C0644 6 f\nabc\0\0\0\x01scp: f: the file shrank while being sent (3 of 6 bytes)\n'));
    expect(status).toMatchObject({
      code: 'ERR_SIZE_MISMATCH', bytes: 3n,
      message: 'tree/sub/f: the file shrank while being sent (3 of 6 bytes); the remote file f cannot be trusted (it holds the first 3 bytes, then 3 zero bytes): remove or overwrite it',
    });
  });

  it('sends only the announced bytes of a long body and reports it', async () => {
    const { peer, status } = await upload([Buffer.from('\0\0\0')], { size: 2n, body: chunksOf('ab', 'c') }, { code: 1, signal: null });
    expect(peer.sent().toString()).toBe('C0644 2 f\nab\x01scp: f: input is longer than the 2 bytes announced\n');
    expect(status).toMatchObject({ code: 'ERR_SIZE_MISMATCH', message: 'input is longer than the 2 bytes announced; the remote file f cannot be trusted (it holds only the first 2 bytes): remove or overwrite it' });
  });

  it('reports an input read error after padding', async () => {
    async function* failing() {
      yield Buffer.from('ab');
      throw new Error('EIO boom');
    }
    const { peer, status } = await upload([Buffer.from('\0\0\0')], { size: 4n, body: failing() }, { code: 1, signal: null });
    expect(peer.sent().subarray(0, 14)).toEqual(Buffer.from('C0644 4 f\nab\0\0'));
    expect(status).toMatchObject({
      code: 'ERR_LOCAL_IO',
      message: 'error reading input: EIO boom (after 2 of 4 bytes); the remote file f cannot be trusted (it holds the first 2 bytes, then 2 zero bytes): remove or overwrite it',
    });
  });

  it('notices a peer that goes away in the middle of the data', async () => {
    const peer = fakePeer({ chunks: [Buffer.from('\0\0')], highWaterMark: 1 });
    const source = new ScpSource(peer.channel);
    await source.start();
    async function* endless() {
      for (let i = 0; ; i++) {
        if (i === 3) peer.channel.destroy();
        yield Buffer.alloc(65536);
      }
    }
    await expect(source.sendFile({ name: 'f', mode: 0o644, size: 10n ** 12n, body: endless() })).rejects.toMatchObject({
      code: 'ERR_LOST_CONNECTION',
    });
  });

  it('rejects at once and leaves no listener when aborted', async () => {
    const peer = fakePeer({ chunks: [] });
    const ac = new AbortController();
    const source = new ScpSource(peer.channel, { signal: ac.signal });
    const started = source.start();
    ac.abort('SIGINT');
    await expect(started).rejects.toMatchObject({ code: 'ERR_ABORTED', signal: 'SIGINT' });
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
  });

  // The last file's \0 is the commit point (docs/library.md): an abort after it ends the wait, not the call.
  it('resolves when aborted while the exit status is awaited, every file confirmed', async () => {
    const peer = fakePeer({ chunks: [Buffer.from('\0\0\0')] });
    const ac = new AbortController();
    const source = new ScpSource({ ...peer.channel, exit: new Promise(() => undefined) }, { signal: ac.signal });
    await source.start();
    await source.sendFile({ name: 'f', mode: 0o644, size: 2n, body: chunksOf('hi') });
    const finished = source.finish();
    ac.abort('SIGINT');
    await expect(finished).resolves.toEqual({ code: null, signal: null });
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
  });

  it('rejects finish() aborted before it was called', async () => {
    const peer = fakePeer({ chunks: [Buffer.from('\0\0\0')] });
    const ac = new AbortController();
    const source = new ScpSource(peer.channel, { signal: ac.signal });
    await source.start();
    await source.sendFile({ name: 'f', mode: 0o644, size: 2n, body: chunksOf('hi') });
    ac.abort('SIGINT');
    await expect(source.finish()).rejects.toMatchObject({ code: 'ERR_ABORTED', signal: 'SIGINT' });
  });

  it('traces records and replies for -v, escaped', async () => {
    const lines: string[] = [];
    const peer = fakePeer({ chunks: [Buffer.from('\0\0\0')] });
    const source = new ScpSource(peer.channel, { trace: (l) => lines.push(l) });
    await source.start();
    await source.sendFile({ name: 'x\ty', mode: 0o644, size: 0n, body: chunksOf() });
    await source.finish();
    expect(lines).toEqual(['< \\0 (ok)', '> C0644 0 x\\ty', '< \\0 (ok)', '> \\0 (end of data)', '< \\0 (ok)', 'exit status 0']);
  });

  // serve sends a Latin-1 name as its bytes; -v showed them as U+FFFD.
  it('traces a name that is not UTF-8 with its bytes as \\xNN', async () => {
    const lines: string[] = [];
    const peer = fakePeer({ chunks: [Buffer.from('\0\0\0')] });
    const source = new ScpSource(peer.channel, { trace: (l) => lines.push(l) });
    await source.start();
    await source.sendFile({ name: fromBytes(Buffer.from('caf\xe9', 'latin1')), mode: 0o644, size: 0n, body: chunksOf() });
    await source.finish();
    expect(lines).toContain('> C0644 0 caf\\xe9');
    expect(peer.sent()).toEqual(Buffer.concat([Buffer.from('C0644 0 caf\xe9\n', 'latin1'), Buffer.from([0])]));
  });
});

// scp -t sends its \0 as it starts: a remote that stays silent runs something else.
describe('ScpSource.start() with firstReply', () => {
  it('a sink silent past the bound: the channel is ended and the command named, ERR_PROTOCOL_REFUSED', async () => {
    const peer = fakePeer({ chunks: [] }); // stdout stays open, silent
    const source = new ScpSource(peer.channel, { firstReply: { ms: 30, command: "scp -t '/x'" } });
    await expect(source.start()).rejects.toMatchObject({
      code: 'ERR_PROTOCOL_REFUSED',
      message: "the remote command scp -t '/x' sent no answer in 0.03 s after it started (the account's forced command may not be scp, or the host is slower to start it: raise --start-timeout)",
    });
    expect(peer.destroyed).toBe(true);
  });

  it('a \\0 within the bound starts the session, and the bound is gone after it', async () => {
    const peer = fakePeer({ chunks: [Buffer.from('\0\0\0')] });
    const source = new ScpSource(peer.channel, { firstReply: { ms: 30, command: "scp -t '/x'" } });
    await source.start();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(peer.destroyed).toBe(false);
    expect(await source.sendFile({ name: 'f', mode: 0o644, size: 1n, body: chunksOf('a') })).toBe(true);
  });
});
