// SFTP faults as users meet them, against OpenSSH's sftp-server through the
// sftp-only jail: a full remote disk, and a stream of several hundred MB up
// and back down byte-exact.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chown, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { requireLoopExt4 } from '../helpers/loop-ext4';
import { remote, runCli, sshFlags } from '../helpers/cli';

const sshd = sshdPerSuite();
const MiB = 1024 * 1024;
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
// Deterministic pseudo-random bytes from a seed, produced as a pipe.
const producer = (bytes: number, seed: string): string[] => [
  'sh', '-c', `openssl enc -aes-128-ctr -nosalt -pass pass:${seed} -pbkdf2 </dev/zero 2>/dev/null | head -c ${bytes}`,
];

describe('scpipe put over SFTP onto a full remote disk', () => {
  // User sees: "scpipe: /files/…/keep.bin: no space left on the remote file
  // system (…)", exit 1, no retry. Left remotely: the old keep.bin as it was,
  // no .keep.bin.scpipe-XXXXXX; locally: nothing.
  it('exit 1 with ERR_NO_SPACE\'s message, the temporary file removed, the old target untouched', async () => {
    const dir = await userDir(sshd.sftp, 'full');
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=4m,uid=${sshd.sftp.uid},gid=${sshd.sftp.gid}`, 'tmpfs', dir]);
    try {
      await writeFile(join(dir, 'keep.bin'), 'old');
      await chown(join(dir, 'keep.bin'), sshd.sftp.uid, sshd.sftp.gid);
      const target = `${remotePath(sshd.sftp, dir)}/keep.bin`;
      const r = await runCli(['put', ...sshFlags(sshd, sshd.sftp), remote(sshd, sshd.sftp, target)], { stdin: Buffer.alloc(16 * MiB), timeoutMs: 60_000 });
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(`scpipe: ${target}: no space left on the remote file system (${target.replace(/keep\.bin$/, '')}.keep.bin.scpipe-${r.stderr.match(/scpipe-(\w{6})/)?.[1]}: write: Failure)\n`);
      expect(await readdir(dir)).toEqual(['keep.bin']);
      expect(await readFile(join(dir, 'keep.bin'), 'utf8')).toBe('old');
    } finally {
      execFileSync('umount', [dir]);
    }
  });
});

describe('scpipe cp over SFTP onto a full remote disk', () => {
  // User sees: "scpipe: /files/…/big.bin: no space left on the remote file
  // system (…)", the small file copied all the same, exit 1. Left remotely:
  // small.txt, and no temporary file.
  it('says the disk is full for the file that did not fit, and copies the rest', async () => {
    const dir = await userDir(sshd.sftp, 'cp-full');
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=4m,uid=${sshd.sftp.uid},gid=${sshd.sftp.gid}`, 'tmpfs', dir]);
    const local = await mkdtemp(join(tmpdir(), 'scpipe-test-cpfull-'));
    try {
      await writeFile(join(local, 'big.bin'), Buffer.alloc(16 * MiB));
      await writeFile(join(local, 'small.txt'), 'fits');
      const rdir = remotePath(sshd.sftp, dir);
      const r = await runCli(['cp', ...sshFlags(sshd, sshd.sftp), join(local, 'big.bin'), join(local, 'small.txt'), remote(sshd, sshd.sftp, `${rdir}/`)], { timeoutMs: 60_000 });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^scpipe: ${rdir}/big\\.bin: no space left on the remote file system \\(${rdir}/\\.big\\.bin\\.scpipe-\\w{6}: write: Failure\\)\n$`));
      expect(await readdir(dir)).toEqual(['small.txt']);
    } finally {
      execFileSync('umount', [dir]);
      await rm(local, { recursive: true, force: true });
    }
  });
});

describe('several hundred MB over SFTP', () => {
  // User sees: exit 0 and nothing on stderr, both ways. Left remotely: big.bin
  // only (no temporary file); the bytes come back as they went.
  it('300 MiB from a pipe up, and back down to stdout, byte-exact', async () => {
    const size = 300 * MiB + 7;
    const dir = await userDir(sshd.sftp, 'big');
    const target = remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, dir)}/big.bin`);
    const up = await runCli(['put', ...sshFlags(sshd, sshd.sftp), '--parallel', '2', target, '--', ...producer(size, 'big')], { timeoutMs: 240_000 });
    expect(up).toMatchObject({ status: 0, stderr: '' });
    expect(await readdir(dir)).toEqual(['big.bin']);
    const expected = sha(execFileSync(producer(size, 'big')[0]!, producer(size, 'big').slice(1), { maxBuffer: 1 << 30 }));
    expect(sha(await readFile(join(dir, 'big.bin')))).toBe(expected);
    const down = await runCli(['get', ...sshFlags(sshd, sshd.sftp), '--parallel', '2', target], { timeoutMs: 240_000 });
    expect(down.status).toBe(0);
    expect(down.stderr).toBe('');
    expect(down.stdout.length).toBe(size);
    expect(sha(down.stdout)).toBe(expected);
  }, 600_000);
});

describe('a read-only or inode-less remote file system over SFTP', () => {
  // sftp-server says EROFS and ENOSPC at open() or mkdir() as a bare
  // "Failure"; scp -t says "Read-only file system", "No space left on device".
  // User sees the cause from statvfs, exit 1; nothing is left remotely.
  it.each([
    ['read-only', 'ro,size=1m', 'the remote file system is read-only'],
    ['out of inodes', 'nr_inodes=1,size=64m', 'no space left on the remote file system: no free inodes'],
  ])('%s: put and cp -r say so, not "open: Failure"', async (_, options, said) => {
    const dir = await userDir(sshd.sftp, 'fs-flags');
    execFileSync('mount', ['-t', 'tmpfs', '-o', `${options},uid=${sshd.sftp.uid},gid=${sshd.sftp.gid}`, 'tmpfs', dir]);
    const local = await mkdtemp(join(tmpdir(), 'scpipe-test-fsflags-'));
    try {
      const rdir = remotePath(sshd.sftp, dir);
      const put = await runCli(['put', ...sshFlags(sshd, sshd.sftp), remote(sshd, sshd.sftp, `${rdir}/f.bin`)], { stdin: Buffer.alloc(MiB), timeoutMs: 60_000 });
      expect(put).toMatchObject({ status: 1, stderr: `scpipe: ${rdir}/f.bin: ${said} (${rdir}/f.bin: open: Failure)\n` });
      await mkdir(join(local, 'tree'));
      await writeFile(join(local, 'tree', 'x'), 'x');
      const cp = await runCli(['cp', '-r', ...sshFlags(sshd, sshd.sftp), join(local, 'tree'), remote(sshd, sshd.sftp, `${rdir}/`)], { timeoutMs: 60_000 });
      expect(cp).toMatchObject({ status: 1, stderr: `scpipe: ${rdir}/tree: ${said} (${rdir}/tree: mkdir: Failure)\n` });
      expect(await readdir(dir)).toEqual([]);
    } finally {
      execFileSync('umount', [dir]);
      await rm(local, { recursive: true, force: true });
    }
  });
});

// A temporary file the server cannot remove after a failed write (a file
// system gone read-only after an error; here an append-only directory, where
// files are made but never removed, on a full ext4) holds the partial upload:
// it is named, as for a lost connection. Exit 1.
describe('a temporary file the remote cannot remove', () => {
  it('put and cp name it after the failure', async () => {
    requireLoopExt4();
    const dir = await userDir(sshd.sftp, 'append-only');
    const image = join(await mkdtemp(join(tmpdir(), 'scpipe-test-ext4-')), 'fs.img');
    execFileSync('truncate', ['-s', '8M', image]);
    execFileSync('mkfs.ext4', ['-q', image]);
    execFileSync('mount', ['-o', 'loop', image, dir]);
    const local = await mkdtemp(join(tmpdir(), 'scpipe-test-append-'));
    try {
      await chown(dir, sshd.sftp.uid, sshd.sftp.gid);
      execFileSync('chattr', ['+a', dir]);
      const rdir = remotePath(sshd.sftp, dir);
      const put = await runCli(['put', ...sshFlags(sshd, sshd.sftp), remote(sshd, sshd.sftp, `${rdir}/p.bin`)], { stdin: Buffer.alloc(16 * MiB), timeoutMs: 60_000 });
      expect(put.status).toBe(1);
      const putTemp = `${rdir}/.p.bin.scpipe-${put.stderr.match(/scpipe-(\w{6})/)?.[1]}`;
      expect(put.stderr).toBe(`scpipe: ${rdir}/p.bin: no space left on the remote file system (${putTemp}: write: Failure); the partial upload is left in ${putTemp} (removing it failed: ${putTemp}: remove: Permission denied)\n`);
      await writeFile(join(local, 'c.bin'), Buffer.alloc(16 * MiB));
      const cp = await runCli(['cp', ...sshFlags(sshd, sshd.sftp), join(local, 'c.bin'), remote(sshd, sshd.sftp, `${rdir}/`)], { timeoutMs: 60_000 });
      expect(cp.status).toBe(1);
      const cpTemp = `${rdir}/.c.bin.scpipe-${cp.stderr.match(/scpipe-(\w{6})/)?.[1]}`;
      expect(cp.stderr).toBe(`scpipe: ${rdir}/c.bin: no space left on the remote file system (${cpTemp}: write: Failure); the partial upload is left in ${cpTemp} (removing it failed: ${cpTemp}: remove: Permission denied)\n`);
      expect((await readdir(dir)).sort()).toEqual([posix.basename(cpTemp), posix.basename(putTemp), 'lost+found'].sort());
    } finally {
      execFileSync('chattr', ['-a', dir]);
      execFileSync('umount', [dir]);
      await rm(posix.dirname(image), { recursive: true, force: true });
      await rm(local, { recursive: true, force: true });
    }
  });
});
