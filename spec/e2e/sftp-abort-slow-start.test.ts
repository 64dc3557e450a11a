// After an abort whose clean-up must go over a new connection (the old one
// dropped), on a host whose sftp subsystem is slow to start (a forced command
// that sleeps 7 s first, as a login shell on a slow NFS home would): a run
// given --start-timeout 30 waits as long for the new session, so the
// temporary file is removed, not left behind after the 5 s a default run gives.
import { readdir } from 'node:fs/promises';
import { ScpipeError } from '../../lib/errors';
import { Reconnector } from '../../lib/client/reconnect';
import { removeTempAfterAbort } from '../../lib/client/sftp-remove-temp';
import { SftpSession } from '../../lib/sftp/session';
import { waitFor } from '../helpers/async';
import { connectOptions, remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';

const sshd = sshdPerSuite({ userForceCommand: 'sleep 7; eval "exec $SSH_ORIGINAL_COMMAND"', sftpSubsystem: '/usr/lib/openssh/sftp-server' });

it('a raised start timeout also bounds the clean-up: the temporary file is removed over a new connection', async () => {
  const conn = new Reconnector({ ...connectOptions(sshd, sshd.user), startTimeoutMs: 30_000 });
  try {
    const dir = await userDir(sshd.user, 'abort-slow-start');
    const temp = `${remotePath(sshd.user, dir)}/.f.scpipe-abc123`;
    const { opener, generation } = conn.current();
    const session = new SftpSession((await opener.sftp(new AbortController().signal)).session, 'sftp', opener.whyLost);
    const handle = await session.open(temp, 'w');
    await session.write(handle, Buffer.alloc(4096, 1), 0, temp);
    conn.drop(generation); // as a clean-up held up by a slow link does
    await waitFor(() => session.ended, 'the dropped session to end');
    const lines: string[] = [];
    const interrupted = new ScpipeError('ERR_ABORTED', 'interrupted by SIGINT');
    const failure = await removeTempAfterAbort(conn, [{ session, handle }], { target: `${temp}.final`, temp }, interrupted, { log: (l) => lines.push(l) }, generation);
    expect((failure as Error).message).toBe('interrupted by SIGINT');
    expect(lines).toContain(`sftp: removed ${temp} over a new connection`);
    expect(await readdir(dir)).toEqual([]);
  } finally {
    conn.close();
  }
}, 90_000);
