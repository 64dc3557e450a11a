// An SFTP upload over four channels, one of whose sessions stops (SIGSTOP:
// a server process hung on NFS looks so) while the others write: the stall
// ends the connection, the run says which channel stalled, goes on over one
// new connection from what the server acknowledged, and ends byte-exact.
import { randomBytes } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, sshFlags, startCli } from '../helpers/cli';
import { waitFor } from '../helpers/async';
import { sessionPids } from '../helpers/session-pids';

const sshd = sshdPerSuite();

it('put --parallel 4: one session stopped mid-upload is found by --stall-timeout, retried once over a new connection; exit 0, byte-exact', async () => {
  const dir = await userDir(sshd.sftp, 'lane-stall');
  const data = randomBytes(96 * 1024 * 1024);
  const run = startCli(['put', '--parallel', '4', '--stall-timeout', '2', '--retries', '2', ...sshFlags(sshd, sshd.sftp), remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, dir)}/r.bin`)], { stdin: data, timeoutMs: 120_000 });
  let stopped: number | undefined;
  try {
    let sessions: number[] = [];
    await waitFor(async () => (sessions = await sessionPids(sshd)).length === 4, 'four channels', 60_000);
    stopped = sessions[2]!;
    process.kill(stopped, 'SIGSTOP');
    const r = await run.done;
    expect(r.status).toBe(0);
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    // Said by the stalled channel itself, or by another one that names it; a session
    // stopped before its version reply or its open (a loaded machine) stalls that instead.
    expect(lines[0]).toMatch(/^scpipe: \S+\/r\.bin: \S+\/\.r\.bin\.scpipe-\w{6}: write: the SFTP session ended: (the connection was ended for a stall on its sftp session( for channel \d of 4)?: )?the remote moved no byte for 2 s while scpipe waited for the server's answer to (an SFTP write|an SFTP open|opening a channel for the sftp subsystem) \(--stall-timeout\); retry 1 of 2 in 1 s$/);
    expect(await readdir(dir)).toEqual(['r.bin']);
    expect((await readFile(join(dir, 'r.bin'))).equals(data)).toBe(true);
  } finally {
    if (stopped !== undefined) process.kill(stopped, 'SIGCONT');
  }
}, 150_000);
