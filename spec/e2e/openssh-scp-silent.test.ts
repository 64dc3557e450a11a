// `--transport openssh` to a host whose forced command accepts the session
// and never speaks (not scp, not sftp-server: here `cat`, which reads until
// EOF and writes nothing). Under --protocol auto the sftp subsystem gets no
// version and the run falls back to SCP, whose `scp -t` never sends its
// first \0: the wait is bounded, and said, exit 1.
import { remote, runCli, sshFlags } from '../helpers/cli';
import { sshdPerSuite } from '../helpers/sshd-per-suite';

const sshd = sshdPerSuite({ userForceCommand: 'cat >/dev/null' });

describe('--transport openssh: a forced command that never answers', () => {
  it('put --protocol auto: SFTP then SCP get no answer; exit 1 saying so, in bounded time', async () => {
    const started = Date.now();
    // Killed at 90 s: unbounded, the run would wait for good.
    const r = await runCli(['put', '--transport', 'openssh', ...sshFlags(sshd, sshd.user), '--retries', '0', remote(sshd, sshd.user, '/tmp/never')], { stdin: 'x', timeoutMs: 90_000 });
    expect(r).toMatchObject({
      status: 1,
      stderr: "scpipe: the remote command scp -t '/tmp/never' sent no answer in 10 s after ssh started it (the account's forced command may not be scp, or the host is slower to start it: raise --start-timeout)\n",
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(20_000); // 10 s for the SFTP version, then 10 s for scp's \0
  }, 100_000);
});
