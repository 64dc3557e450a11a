// get and cp onto a FAT file system (a USB stick), which has no modes: its
// chmod fails (the kernel's vfat: EPERM; fusefat: ENOSYS). Without -p,
// OpenSSH's scp and GNU cp never chmod a new file there, so the copy
// succeeds; with -p both say the mode could not be set, exit 1.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { remote, runCli, sshFlags } from '../helpers/cli';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';

const sshd = sshdPerSuite();
// A FAT image mounted through FUSE (no vfat module needed): scripts/install-test-deps.sh installs both.
function requireFat(): void {
  if (!existsSync('/dev/fuse')) throw new Error('these tests mount a FAT image through FUSE and need /dev/fuse (a container started with --device /dev/fuse)');
  if (!existsSync('/usr/bin/fusefat') || !['/usr/sbin/mkfs.vfat', '/sbin/mkfs.vfat'].some(existsSync)) {
    throw new Error('fusefat and mkfs.vfat are missing: run `sudo bash scripts/install-test-deps.sh` (packages fusefat, dosfstools)');
  }
}

describe('onto a FAT file system', () => {
  let work: string;
  let fat: string;
  let source: string;
  const data = Buffer.from('restored from the backup host\n');

  beforeAll(async () => {
    requireFat();
    work = await mkdtemp(join(tmpdir(), 'scpipe-test-vfat-'));
    fat = join(work, 'stick');
    execFileSync('truncate', ['-s', '64M', join(work, 'fat.img')]);
    execFileSync('mkfs.vfat', [join(work, 'fat.img')], { stdio: 'ignore' });
    execFileSync('mkdir', [fat]);
    execFileSync('fusefat', ['-o', 'rw+', join(work, 'fat.img'), fat], { stdio: 'ignore' });
    const dir = await userDir(sshd.user, 'vfat');
    source = join(dir, 'db.dump');
    await writeFile(source, data);
    await chmod(source, 0o644);
  });
  afterAll(async () => {
    if (work === undefined) return;
    execFileSync('umount', [fat]);
    await rm(work, { recursive: true, force: true });
  });

  it.each([['-O'], ['-s']])('get --output and cp without -p store the file, exit 0 (%s)', async (protocol) => {
    const got = await runCli(['get', protocol, ...sshFlags(sshd, sshd.user), '--output', join(fat, 'get.dump'), remote(sshd, sshd.user, source)]);
    expect({ status: got.status, stderr: got.stderr }).toEqual({ status: 0, stderr: '' });
    expect(await readFile(join(fat, 'get.dump'))).toEqual(data);
    const cp = await runCli(['cp', protocol, ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, source), join(fat, 'cp.dump')]);
    expect({ status: cp.status, stderr: cp.stderr }).toEqual({ status: 0, stderr: '' });
    expect(await readFile(join(fat, 'cp.dump'))).toEqual(data);
    expect((await readdir(fat)).sort()).toEqual(['cp.dump', 'get.dump']);
    await rm(join(fat, 'get.dump'));
    await rm(join(fat, 'cp.dump'));
  });

  it('with -p the mode that could not be set is said, exit 1, as scp -p and cp -p say it', async () => {
    const r = await runCli(['get', '-p', ...sshFlags(sshd, sshd.user), '--output', join(fat, 'p.dump'), remote(sshd, sshd.user, source)]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^scpipe: .*p\.dump: set mode: /);
    await rm(join(fat, 'p.dump'), { force: true });
  });
});
