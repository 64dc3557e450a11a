// get and cp onto a FAT file system (a USB stick), which has no modes: its
// chmod fails (the kernel's vfat: EPERM; fusefat: ENOSYS). Without -p,
// OpenSSH's scp and GNU cp never chmod a new file there, so the copy
// succeeds; with -p both say the mode could not be set, exit 1.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { remote, runCli, sshFlags } from '../helpers/cli';
import { connectOptions, userDir } from '../helpers/sshd';
import { getTo } from '../../lib';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { BYTE_ARGS, byteArg, latin1Tree } from '../helpers/latin1-tree';
import { lockIdentity } from '../helpers/lock-identity';

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
    await chmod(work, 0o755); // the test account reaches the stick
    fat = join(work, 'stick');
    execFileSync('truncate', ['-s', '64M', join(work, 'fat.img')]);
    execFileSync('mkfs.vfat', [join(work, 'fat.img')], { stdio: 'ignore' });
    execFileSync('mkdir', [fat]);
    // allow_other: the test account writes there too, as to a FAT disk on the server (no permission checks).
    execFileSync('fusefat', ['-o', 'rw+', '-o', 'allow_other', join(work, 'fat.img'), fat], { stdio: 'ignore' });
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

  // FAT ignores case: README and readme are one file there. OpenSSH's scp -r
  // stores the second over the first, exit 0; GNU cp -r refuses ("will not
  // overwrite just-created"). User sees the file not copied named, exit 1;
  // left: the first one as it came.
  it.each([['-O'], ['-s']])('cp -r of names that differ in case keeps the first and says why the second was not copied (%s)', async (protocol) => {
    const tree = join(await userDir(sshd.user, 'vfat-case'), 'tree');
    execFileSync('mkdir', [tree]);
    await writeFile(join(tree, 'README'), 'upper\n');
    await writeFile(join(tree, 'readme'), 'lower\n');
    execFileSync('chmod', ['-R', 'a+rX', tree]);
    const r = await runCli(['cp', '-r', protocol, ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, tree), join(fat, 'tree')]);
    expect(r.status).toBe(1);
    const [first, second] = r.stderr.includes('/README: will') ? ['readme', 'README'] : ['README', 'readme'];
    // fusefat numbers each name apart, so the file is known by its directory, which this copy made (the kernel's vfat: by inode, named).
    expect(r.stderr).toBe(`scpipe: ${join(fat, 'tree', second)}: will not overwrite the file this copy has just made under that name (a file system that ignores case, as FAT does, takes both names for one)\n`);
    expect(await readdir(join(fat, 'tree'))).toHaveLength(1);
    expect(await readFile(join(fat, 'tree', first), 'utf8')).toBe(first === 'README' ? 'upper\n' : 'lower\n');
    await rm(join(fat, 'tree'), { recursive: true });
  });

  // FAT (here through fusefat) refuses names that are not ASCII: a Latin-1
  // tree kept as its bytes cannot be stored there, and each name it refuses
  // is said with its bytes escaped; the ASCII rest is copied.
  it.each([['-O'], ['-s']])('cp -r of names that are not UTF-8 says each one FAT refuses, escaped, exit 1 (%s)', async (protocol) => {
    const src = await userDir(sshd.user, 'vfat-latin1');
    await latin1Tree(src);
    await writeFile(`${src}/plain`, 'ascii');
    execFileSync('chmod', ['-R', 'a+rX', src]);
    const dst = join(fat, 'latin1');
    const r = await runCli(['cp', '-r', protocol, ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, src), dst]);
    try {
      expect(r).toMatchObject({ status: 1, stderr: `scpipe: ${dst}/d\\xe9: Operation not permitted\n` });
      expect(await readdir(dst)).toEqual(['plain']);
    } finally {
      await rm(dst, { recursive: true, force: true });
    }
  });

  // An --output or --checksum-file of Latin-1 bytes is made as those bytes
  // (byte-names-local.test.ts); FAT refuses such a name, which is said
  // escaped, exit 1, nothing left on the stick.
  it.each([['-O'], ['-s']])('get --output and --checksum-file of a Latin-1 name FAT refuses say so, escaped, exit 1 (%s)', async (protocol) => {
    const out = await runCli(['get', protocol, ...sshFlags(sshd, sshd.user), '--output', byteArg(join(fat, 'caf\xe9')), remote(sshd, sshd.user, source)], { wrapper: BYTE_ARGS });
    expect({ status: out.status, stderr: out.stderr }).toEqual({ status: 1, stderr: `scpipe: ${join(fat, 'caf')}\\xe9: Operation not permitted\n` });
    const sum = await runCli(['get', protocol, ...sshFlags(sshd, sshd.user), '--checksum-file', byteArg(join(fat, 'sum\xe9')), remote(sshd, sshd.user, source)], { wrapper: BYTE_ARGS });
    expect(sum.status).toBe(1);
    expect(sum.stdout).toEqual(data);
    expect(sum.stderr).toContain(`--checksum-file ${join(fat, 'sum')}\\xe9 could not be written: Operation not permitted`);
    expect(await readdir(fat)).toEqual([]);
  });

  // Over SFTP a file replaced keeps the old one's mode (as scp does), set
  // before the rename; on FAT that fails, and the whole upload was dropped,
  // exit 1, the old file kept: a nightly backup onto one name never replaced.
  // OpenSSH's scp warns ("remote fsetstat") and stores it. User sees exit 0.
  it('put and cp over SFTP replace a file on a FAT server without -p, exit 0', async () => {
    const target = join(fat, 'nightly.dump');
    await writeFile(target, 'last night');
    const put = await runCli(['put', '-s', ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, target)], { stdin: 'tonight' });
    expect({ status: put.status, stderr: put.stderr }).toEqual({ status: 0, stderr: '' });
    expect(await readFile(target, 'utf8')).toBe('tonight');
    const local = join(work, 'tomorrow.dump');
    await writeFile(local, 'tomorrow');
    const cp = await runCli(['cp', '-s', ...sshFlags(sshd, sshd.user), local, remote(sshd, sshd.user, target)]);
    expect({ status: cp.status, stderr: cp.stderr }).toEqual({ status: 0, stderr: '' });
    expect(await readFile(target, 'utf8')).toBe('tomorrow');
    expect(await readdir(fat)).toEqual(['nightly.dump']);
    await rm(target);
  });

  // put -p over SFTP onto a server's FAT disk: sftp-server's fchmod fails
  // and the whole finished upload was dropped (exit 1, nothing stored).
  // scp -O -p and GNU cp -p store the data and say what they could not keep.
  // User sees exit 1 naming the file as stored; left: the file with its
  // bytes, no temporary file. (fusefat sets a file's time at its close, after
  // any fsetstat, so the time sent is not looked at here.)
  it('put -p over SFTP stores the file, and says the mode could not be kept, exit 1', async () => {
    const target = join(fat, 'kept.dump');
    const r = await runCli(['put', '-s', '-p', '--mtime', '1700000000', ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, target)], { stdin: 'tonight' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^scpipe: ${target.replace(/[.]/g, '\\.')}: stored, but -p could not keep its mode: the server said ".+"\n$`));
    expect(await readFile(target, 'utf8')).toBe('tonight');
    expect(await readdir(fat)).toEqual(['kept.dump']);
    await rm(target);
  });

  it('cp -p over SFTP stores each file there, and says of each that its mode could not be kept, exit 1', async () => {
    const tree = join(work, 'tree');
    execFileSync('mkdir', ['-p', join(tree, 'sub')]);
    await writeFile(join(tree, 'a'), 'a\n');
    await writeFile(join(tree, 'sub', 'b'), 'b\n');
    const r = await runCli(['cp', '-r', '-p', '-s', ...sshFlags(sshd, sshd.user), tree, remote(sshd, sshd.user, join(fat, 'tree'))]);
    expect(r.status).toBe(1);
    const lines = r.stderr.split('\n').filter(Boolean).sort();
    expect(lines).toEqual([join(fat, 'tree', 'a'), join(fat, 'tree', 'sub', 'b')].map((f) => expect.stringMatching(new RegExp(`^scpipe: ${f.replace(/[.]/g, '\\.')}: stored, but -p could not keep its mode: the server said ".+"$`))));
    expect(await readFile(join(fat, 'tree', 'a'), 'utf8')).toBe('a\n');
    expect(await readFile(join(fat, 'tree', 'sub', 'b'), 'utf8')).toBe('b\n');
    expect((await readdir(join(fat, 'tree'))).sort()).toEqual(['a', 'sub']);
    await rm(join(fat, 'tree'), { recursive: true });
    await rm(tree, { recursive: true });
  });

  // The file is in place, whole; only its mode is not: said so, exit 1 as scp -p and cp -p.
  it.each([['-O'], ['-s']])('with -p the mode that could not be set is said, the file stored, exit 1 (%s)', async (protocol) => {
    const out = join(fat, 'p.dump');
    const r = await runCli(['get', protocol, '-p', ...sshFlags(sshd, sshd.user), '--output', out, remote(sshd, sshd.user, source)]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`scpipe: ${out}: stored, but -p could not keep its mode: Function not implemented\n`);
    expect(await readFile(out)).toEqual(data);
    expect(await readdir(fat)).toEqual(['p.dump']); // no temporary file left
    await rm(out, { force: true });
  });

  // FAT has no hard links (link(2): EPERM), which the check that a stale lock is still the one judged stale uses.
  it('get --resume takes over the lock of a run that is gone, exit 0, and leaves no lock or second name', async () => {
    const out = join(fat, 'resumed.dump');
    const dead = spawnSync('true').pid!; // exited: its pid names no process
    await writeFile(`${out}.scpipe-lock`, `${dead} 1 2026-12-06T10:00:00.000Z ${hostname()} ${lockIdentity}\n`);
    const r = await runCli(['get', '-s', '--resume', ...sshFlags(sshd, sshd.user), '--output', out, remote(sshd, sshd.user, source)]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(await readFile(out)).toEqual(data);
    expect(await readdir(fat)).toEqual(['resumed.dump']);
    await rm(out, { force: true });
  });

  // getTo's commit point is the rename: told then, so an abort from then on (a second Ctrl-C) leaves the exit 0 it is.
  it('getTo with preserve: onCommitted is told, and the rejection says the file is stored', async () => {
    const out = join(fat, 'lib.dump');
    let told = 0;
    const err = await getTo(connectOptions(sshd, sshd.user), source, out, { preserve: true, onCommitted: () => told++ }).catch((e: unknown) => e);
    expect(told).toBe(1);
    expect(err).toMatchObject({ code: 'ERR_LOCAL_IO', stored: true, path: out, message: `${out}: stored, but -p could not keep its mode: Function not implemented` });
    expect(await readFile(out)).toEqual(data);
    await rm(out, { force: true });
  });
});
