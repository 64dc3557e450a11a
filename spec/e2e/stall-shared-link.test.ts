// --stall-timeout over a slow link shared by four channels (a parts set sent
// four at a time): each channel's bytes wait their turn behind the others'
// on the link, longer than the limit, though the connection as a whole moves.
// No channel is stalled: the run goes through without a retry.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, sshFlagsVia, startCli } from '../helpers/cli';
import { expectPartsSet, withStallLink } from '../helpers/parts-stall';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-stall-shared-');
const part = 4 * 1024 * 1024;
// 1 MB/s: the four channels hold 8 MiB or more in flight at once, 8 s of link, well over the limit of 3 s.
const rate = 1_000_000;

it('put -O --part-size 4M --parallel 4 --stall-timeout 3 through a link of 1 MB/s: no stall, exit 0, the set whole', async () => {
  const dir = await userDir(sshd.user, 'stall-shared-scp');
  const data = randomBytes(4 * part);
  await withStallLink(sshd.port, async (link) => {
    const flags = sshFlagsVia(sshd, link.port, join(local(), 'known_hosts'), sshd.user);
    const r = await startCli(['put', '-O', '--part-size', '4M', '--parallel', '4', '--stall-timeout', '3', '--retries', '0', ...flags, remote(sshd, sshd.user, `${dir}/f`)], { stdin: data, timeoutMs: 120_000 }).done;
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    await expectPartsSet(dir, 4, data);
  }, rate);
}, 150_000);

it('put --protocol sftp --part-size 4M --parallel 4 --stall-timeout 3 through a link of 1 MB/s: no stall, exit 0, the set whole', async () => {
  const dir = await userDir(sshd.sftp, 'stall-shared-sftp');
  const rdir = remotePath(sshd.sftp, dir);
  const data = randomBytes(4 * part);
  await withStallLink(sshd.port, async (link) => {
    const flags = sshFlagsVia(sshd, link.port, join(local(), 'known_hosts'), sshd.sftp);
    const r = await startCli(['put', '--protocol', 'sftp', '--part-size', '4M', '--parallel', '4', '--stall-timeout', '3', '--retries', '0', ...flags, remote(sshd, sshd.sftp, `${rdir}/f`)], { stdin: data, timeoutMs: 120_000 }).done;
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    await expectPartsSet(dir, 4, data);
  }, rate);
}, 150_000);
