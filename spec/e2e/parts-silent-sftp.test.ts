// A parts upload over SFTP WITHOUT --stall-timeout: one part's session stops
// (SIGSTOP) and sshd leaves the next part's new session silent while the
// others keep the link busy, so the keepalive never fires. --start-timeout
// bounds that silence: the connection is ended as a stall would end it, the
// run's retries go on over a new one; exit 0, the set byte-exact.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, sshFlagsVia, startCli } from '../helpers/cli';
import { expectPartsSet, stopOneOfFourSessions, withStallLink } from '../helpers/parts-stall';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-parts-silent-');

it('put --protocol sftp --parallel 4 --start-timeout 2, no --stall-timeout: the silent new session ends its connection, retried; exit 0', async () => {
  const dir = await userDir(sshd.sftp, 'parts-silent');
  const rdir = remotePath(sshd.sftp, dir);
  const part = 1024 * 1024;
  const data = randomBytes(48 * part);
  await withStallLink(sshd.port, async (link) => {
    const flags = sshFlagsVia(sshd, link.port, join(local(), 'known_hosts'), sshd.sftp);
    const run = startCli(['put', '--protocol', 'sftp', '--part-size', '1M', '--parallel', '4', '--start-timeout', '2', '--retries', '2', ...flags, remote(sshd, sshd.sftp, `${rdir}/f`)], { stdin: data, timeoutMs: 100_000 });
    await stopOneOfFourSessions(sshd, link);
    const r = await run.done;
    expect(r.stderr).toMatch(/sent no SFTP version in 2 s while the server answered the connection's other sessions \(--start-timeout\); retry 1 of 2 in/);
    expect(r.status).toBe(0);
    await expectPartsSet(dir, 48, data);
  });
}, 150_000);
