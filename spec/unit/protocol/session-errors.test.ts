// explainLoss() waits for the exit status only for a lost connection; for
// any other failure the exit promise it was given must not be left to reject
// unheard. It rejects when the run is aborted after the failure (put aborts
// its own signal on any failure), and an unhandled rejection ends the
// process of a program embedding scpipe.
import { PassThrough } from 'node:stream';
import { ScpipeError } from '../../../lib/errors';
import type { ExitStatus } from '../../../lib/protocol/channel';
import { RemoteStderr } from '../../../lib/protocol/remote-stderr';
import { explainLoss, remoteError } from '../../../lib/protocol/session-errors';

describe('explainLoss', () => {
  it.each([
    ['a ScpipeError of another kind', new ScpipeError('ERR_PROTOCOL', 'bad reply')],
    ['an error that is not a ScpipeError', new TypeError('Cannot mix BigInt and other types')],
  ])('leaves no unhandled rejection of the exit it did not wait for (%s)', async (_what, err) => {
    const unhandled: unknown[] = [];
    const note = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', note);
    try {
      let fail!: (e: Error) => void;
      const exit = new Promise<ExitStatus>((_resolve, reject) => (fail = reject));
      const explained = await explainLoss(err, 'data', exit, new RemoteStderr(new PassThrough()));
      expect(explained).toBeInstanceOf(ScpipeError);
      fail(new ScpipeError('ERR_ABORTED', 'aborted'));
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      process.off('unhandledRejection', note);
    }
    expect(unhandled).toEqual([]);
  });
});

// The reply reader's "closed in the middle of a reply" is told anew by the exit status: what the remote had begun to say stays.
describe('explainLoss of a reply cut short', () => {
  it('the exit status says it, and the words of the reply stay its remoteMessage, the reader\'s error its cause', async () => {
    const cause = new Error('channel closed');
    const err = new ScpipeError('ERR_LOST_CONNECTION', 'connection closed in the middle of a reply: scp: f: Permission de', { remoteMessage: 'scp: f: Permission de', cause });
    const explained = await explainLoss(err, 'C', Promise.resolve({ code: 1, signal: null }), new RemoteStderr(new PassThrough()));
    expect(explained).toMatchObject({ code: 'ERR_REMOTE_EXIT', message: 'remote command exited with status 1 after the file header', exitCode: 1, exitSignal: null, remoteMessage: 'scp: f: Permission de' });
    expect(explained.cause).toBe(cause);
  });
});

describe('remoteError codes, whichever side of the path scp puts strerror', () => {
  it.each([
    ['scp: dir/f: No such file or directory', 'ERR_NO_SUCH_FILE'], // OpenSSH
    ['dir/f: No such file or directory', 'ERR_NO_SUCH_FILE'], // ProFTPD mod_sftp
    ['scp: No such file or directory: /srv/dir/f', 'ERR_NO_SUCH_FILE'], // asyncssh
    ['scp: Permission denied: /srv/dir/f', 'ERR_PERMISSION_DENIED'],
    ['scp: No space left on device: /srv/dir/f', 'ERR_NO_SPACE'],
    ['scp: dir/f: No space left on device (the file is 3 MiB, and its file system has 1020 KiB free)', 'ERR_NO_SPACE'], // scpipe serve
    ['scp: dir/f: Permission denied (append-only server: dir/f is there)', 'ERR_REMOTE'],
    ['scp: dir/No such file or directory: is a name', 'ERR_REMOTE'],
    ['scp: dir/f: not a regular file', 'ERR_REMOTE'],
  ])('%s: %s', (message, code) => {
    expect(remoteError(message).code).toBe(code);
  });
});

// ssh (--transport openssh) exited, and the next write into its stdin failed before the reply reader saw the end.
describe('explainLoss of a write into a channel gone', () => {
  it.each(['EPIPE', 'ECONNRESET'])("%s is a lost connection named by the transport's reason, not \"write EPIPE\"", async (code) => {
    const err = Object.assign(new Error(`write ${code}`), { code, syscall: 'write' });
    const exit = Promise.resolve<ExitStatus>({ code: null, signal: null });
    const explained = await explainLoss(err, 'data', exit, new RemoteStderr(new PassThrough()), () => 'ssh: client_loop: send disconnect: Broken pipe');
    expect(explained).toMatchObject({ code: 'ERR_LOST_CONNECTION', message: 'connection lost while sending the file data: ssh: client_loop: send disconnect: Broken pipe' });
  });

  it('without a reason of the transport\'s, the stage', async () => {
    const err = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    const explained = await explainLoss(err, 'C', Promise.resolve({ code: null, signal: null }), new RemoteStderr(new PassThrough()));
    expect(explained).toMatchObject({ code: 'ERR_LOST_CONNECTION', message: 'connection lost after the file header' });
  });
});
