// A parts upload over SFTP (the internal-sftp chroot account) with four
// channels and a --stall-timeout longer than the 10 s scpipe gives a new
// subsystem to say its SFTP version: one part's session stops (SIGSTOP),
// and sshd then leaves the next part's new session silent. That silence is
// not a forced command that is not sftp-server (others on the connection
// spoke SFTP): the run waits for the stall to be found, and the parts go
// again over a new connection; exit 0, the set byte-exact.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, sshFlagsVia, startCli } from '../helpers/cli';
import { expectPartsSet, stopOneOfFourSessions, withStallLink } from '../helpers/parts-stall';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-parts-stall-long-');

it('put --protocol sftp --parallel 4 --stall-timeout 12: a session stopped is found and retried, not taken for a forced command; exit 0', async () => {
  const dir = await userDir(sshd.sftp, 'parts-stall-long');
  const rdir = remotePath(sshd.sftp, dir);
  const part = 1024 * 1024;
  const data = randomBytes(48 * part);
  await withStallLink(sshd.port, async (link) => {
    const flags = sshFlagsVia(sshd, link.port, join(local(), 'known_hosts'), sshd.sftp);
    const run = startCli(['put', '--protocol', 'sftp', '--part-size', '1M', '--parallel', '4', '--stall-timeout', '12', '--retries', '2', '-v', ...flags, remote(sshd, sshd.sftp, `${rdir}/f`)], { stdin: data, timeoutMs: 150_000 });
    await stopOneOfFourSessions(sshd, link);
    const r = await run.done;
    expect(r.stderr).not.toContain('sent no SFTP version');
    // The path under test was taken: a new session sat silent beside ones that spoke SFTP.
    expect(r.stderr).toContain('no SFTP version, though another session on the connection spoke SFTP, in 10 s; waiting for it');
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/the remote moved no byte for 12 s while scpipe waited for .*; retry 1 of 2 in/);
    await expectPartsSet(dir, 48, data);
  });
}, 200_000);
