// The default transport to a host whose forced command accepts the session
// and never speaks (here `cat`, which reads until EOF and writes nothing):
// not scp -t, whose first \0 would come at once. The user sees the command
// named and the likely cause, exit 1, in bounded time, not a run that waits
// for good; nothing is stored (the forced command writes nowhere).
import { remote, runCli, sshFlags } from '../helpers/cli';
import { sshdPerSuite } from '../helpers/sshd-per-suite';

const sshd = sshdPerSuite({ userForceCommand: 'cat >/dev/null' });

const said = (s: number): string => `scpipe: the remote command scp -t '/tmp/never' sent no answer in ${s} s after it started (the account's forced command may not be scp, or the host is slower to start it: raise --start-timeout)\n`;
// The default bound is proved once; the other runs give it 2 s, to spend less of CI's time waiting.
const START = ['--start-timeout', '2'];

describe('a forced command that never answers, over ssh2', () => {
  it('put -O: exit 1 after 10 s saying so', async () => {
    const started = Date.now();
    // Killed at 60 s: unbounded, the run would wait for good.
    const r = await runCli(['put', '-O', ...sshFlags(sshd, sshd.user), '--retries', '0', remote(sshd, sshd.user, '/tmp/never')], { stdin: 'x', timeoutMs: 60_000 });
    expect(r).toMatchObject({ status: 1, stderr: said(10) });
    expect(Date.now() - started).toBeGreaterThanOrEqual(10_000);
  }, 70_000);

  it('put --protocol auto, --start-timeout 2: SFTP gets no version, then SCP no \\0; exit 1, in bounded time', async () => {
    const started = Date.now();
    const r = await runCli(['put', ...START, ...sshFlags(sshd, sshd.user), '--retries', '0', remote(sshd, sshd.user, '/tmp/never')], { stdin: 'x', timeoutMs: 60_000 });
    expect(r).toMatchObject({ status: 1, stderr: said(2) });
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_000); // 2 s for the SFTP version, then 2 s for scp's \0
  }, 70_000);

  it('cp -O of a file up, --start-timeout 2: exit 1 after 2 s saying so', async () => {
    const started = Date.now();
    const r = await runCli(['cp', '-O', ...START, ...sshFlags(sshd, sshd.user), '--retries', '0', 'package.json', remote(sshd, sshd.user, '/tmp/never')], { timeoutMs: 60_000 });
    expect(r).toMatchObject({ status: 1, stderr: said(2) });
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
  }, 70_000);
});
