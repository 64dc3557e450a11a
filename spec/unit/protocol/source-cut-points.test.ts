// Where an SCP upload can be cut, and what its error says is left remotely.
// Before the file's header nothing is (no file is named); while the header's
// answer is awaited the sink may have made the file, empty; from the data on
// it is cut short, at most the bytes handed over. A \1 or \2 answer is the
// sink's own word on the file and adds nothing.
import { ScpSource } from '../../../lib/protocol/source';
import type { ExitStatus } from '../../../lib/protocol/channel';
import type { ScpipeError } from '../../../lib/errors';
import type { OutgoingFile } from '../../../lib/protocol/source-types';
import { chunksOf, fakePeer, type FakePeer } from '../../helpers/fake-channel';
import { rejection, waitFor } from '../../helpers/async';

const LOST: ExitStatus = { code: null, signal: null };
const EMPTY = 'may be left empty: the remote scp makes it as it takes the header, before it answers (a file already there keeps its bytes); a rerun writes over it (with --no-clobber, stops at it)';

// Sends one file to a peer that answers `replies`, then cuts (destroys the channel with `exit`, or
// aborts with SIGINT) once what was sent ends with `after`; resolves with the error of sendFile.
async function cutWhen(replies: string, after: string, file: Partial<OutgoingFile>, how: 'lose' | 'abort' | ExitStatus = 'lose'): Promise<{ err: ScpipeError; peer: FakePeer }> {
  const exit = typeof how === 'object' ? how : LOST;
  const peer = fakePeer({ chunks: replies === '' ? [] : [Buffer.from(replies)], exit });
  const ac = new AbortController();
  const source = new ScpSource(peer.channel, { signal: ac.signal });
  await source.start();
  const sending = rejection(source.sendFile({ name: 'f', mode: 0o644, size: 3n, body: chunksOf('abc'), ...file }));
  await waitFor(() => peer.sent().toString('latin1').endsWith(after), `sent: ${JSON.stringify(after)}`);
  if (how === 'abort') ac.abort('SIGINT');
  else peer.channel.destroy();
  return { err: await sending, peer };
}

// A body that gives `first` and then waits for ever: the cut comes mid-data.
async function* stalls(first: string): AsyncGenerator<Buffer> {
  yield Buffer.from(first);
  await new Promise(() => undefined);
}

describe('ScpSource: what each cut point says is left remotely', () => {
  it('lost while the times record is answered: no file is named (the sink makes none before C)', async () => {
    const { err } = await cutWhen('\0', 'T5 0 6 0\n', { times: { mtime: 5n, atime: 6n } });
    expect(err).toMatchObject({ code: 'ERR_LOST_CONNECTION', message: 'connection lost after the times record' });
    expect(err.cutShort).toBeUndefined();
  });

  it("lost while the header is answered: the file is named, may be left empty, and a rerun's effect is said", async () => {
    const { err, peer } = await cutWhen('\0', 'C0644 3 f\n', { remotePath: 'backups/f' });
    expect(err).toMatchObject({ code: 'ERR_LOST_CONNECTION', bytes: 0n, cutShort: { name: 'f', path: 'backups/f', written: 0n, size: 3n } });
    expect(err.message).toBe(`connection lost after the file header; the remote file backups/f ${EMPTY}`);
    expect(peer.sent().toString()).toBe('C0644 3 f\n'); // no data went
  });

  it('aborted while the header is answered (SIGINT): the same, as ERR_ABORTED', async () => {
    const { err } = await cutWhen('\0', 'C0644 3 f\n', {}, 'abort');
    expect(err).toMatchObject({ code: 'ERR_ABORTED', signal: 'SIGINT', cutShort: { name: 'f', written: 0n, size: 3n } });
    expect(err.message).toBe(`interrupted by SIGINT; the remote file f ${EMPTY}`);
  });

  it('the remote scp exits while the header is answered: its status, then the file', async () => {
    const { err } = await cutWhen('\0', 'C0644 3 f\n', {}, { code: 1, signal: null });
    expect(err).toMatchObject({ code: 'ERR_REMOTE_EXIT', exitCode: 1, cutShort: { name: 'f', written: 0n } });
    expect(err.message).toBe(`remote command exited with status 1 after the file header; the remote file f ${EMPTY}`);
  });

  it('a name from the remote side is escaped in the message', async () => {
    const { err } = await cutWhen('\0', 'C0644 3 f\n', { remotePath: 'in/\x1b[31mred' });
    expect(err.message).toContain('the remote file in/\\x1b[31mred may be left empty');
  });

  it("a \\1 or \\2 answer to the header is the sink's own word: nothing is added", async () => {
    const refused = fakePeer({ chunks: [Buffer.from('\0\x01scp: f: Permission denied\n')], exit: { code: 1, signal: null } });
    const source = new ScpSource(refused.channel);
    await source.start();
    await expect(source.sendFile({ name: 'f', mode: 0o644, size: 3n, body: chunksOf('abc') })).resolves.toBe(false);
    expect(source.problems[0]).toMatchObject({ message: 'remote: scp: f: Permission denied' });
    expect(source.problems[0].cutShort).toBeUndefined();
    const fatal = fakePeer({ chunks: [Buffer.from('\0\x02scp: protocol error\n')] });
    const other = new ScpSource(fatal.channel);
    await other.start();
    const err = await rejection(other.sendFile({ name: 'f', mode: 0o644, size: 3n, body: chunksOf('abc') }));
    expect(err.message).toBe('remote: scp: protocol error');
    expect(err.cutShort).toBeUndefined();
  });

  it('lost in the middle of the data: cut short, at most the bytes handed over', async () => {
    const { err } = await cutWhen('\0\0', 'C0644 3 f\nab', { body: stalls('ab') });
    expect(err).toMatchObject({ code: 'ERR_LOST_CONNECTION', cutShort: { name: 'f', written: 2n, size: 3n } });
    expect(err.message).toMatch(/^connection lost while sending the file data; the remote file f is left cut short: at most 2 of 3 bytes written, over the start/);
  });

  it('lost after the final \\0: cut short, every byte handed over and none confirmed', async () => {
    const { err } = await cutWhen('\0\0', 'C0644 3 f\nabc\0', {});
    expect(err).toMatchObject({ code: 'ERR_LOST_CONNECTION', cutShort: { name: 'f', written: 3n, size: 3n } });
    expect(err.message).toMatch(/^connection lost before confirming the data; the remote file f is left cut short: at most 3 of 3 bytes written \(all handed to the connection, none confirmed\)/);
  });
});
