// `--transport openssh` to a host whose forced command accepts the session
// and never speaks (not scp, not sftp-server: here `cat`, which reads until
// EOF and writes nothing). Under --protocol auto the sftp subsystem gets no
// version and the run falls back to SCP, whose `scp -t` never sends its
// first \0: the wait is bounded, and said, exit 1.
import { remote, runCli, sshFlags } from '../helpers/cli';
import { sshdPerSuite } from '../helpers/sshd-per-suite';

const sshd = sshdPerSuite({ userForceCommand: 'cat >/dev/null' });

describe('--transport openssh: a forced command that never answers', () => {
  it('put --protocol auto, --start-timeout 2: SFTP then SCP get no answer; exit 1 saying so, in bounded time', async () => {
    const started = Date.now();
    // Killed at 60 s: unbounded, the run would wait for good. 2 s, not the default 10 (openssh-sftp-silent proves it), to spare CI's time.
    const r = await runCli(['put', '--transport', 'openssh', '--start-timeout', '2', ...sshFlags(sshd, sshd.user), '--retries', '0', remote(sshd, sshd.user, '/tmp/never')], { stdin: 'x', timeoutMs: 60_000 });
    expect(r).toMatchObject({
      status: 1,
      stderr: "scpipe: the remote command scp -t '/tmp/never' sent no answer in 2 s after ssh started it (the account's forced command may not be scp, or the host is slower to start it: raise --start-timeout)\n",
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_000); // 2 s for the SFTP version, then 2 s for scp's \0
  }, 70_000);
});
