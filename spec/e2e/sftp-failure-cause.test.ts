// Write failures that OpenSSH's sftp-server answers with a bare "Failure"
// while the disk has room. A limit on file size is the one such failure the
// kernel makes on demand: its sftp-server runs under prlimit --fsize with
// SIGXFSZ ignored, so write() fails with EFBIG as on FAT at 4 GiB - 1 (the
// kernel cuts the write that crosses the limit short, and refuses the next,
// for RLIMIT_FSIZE as for a file system's largest file).
import { execFileSync } from 'node:child_process';
import { chmodSync, createReadStream, mkdtempSync, writeFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { servePerSuite } from '../helpers/serve';
import { remote, runCli, sshFlags } from '../helpers/cli';
import { requireLoopExt4 } from '../helpers/loop-ext4';

const MiB = 1024 * 1024;
// The limits are read at each session's start, so one sshd serves every test.
const wrapperDir = mkdtempSync(join(tmpdir(), 'scpipe-test-fsize-'));
const limitFile = join(wrapperDir, 'limit');
writeFileSync(join(wrapperDir, 'sftp-server'), `#!/bin/sh\ntrap '' XFSZ\nexec prlimit $(cat ${limitFile}) /usr/lib/openssh/sftp-server\n`);
chmodSync(wrapperDir, 0o755);
chmodSync(join(wrapperDir, 'sftp-server'), 0o755);
const sshd = sshdPerSuite({ sftpSubsystem: join(wrapperDir, 'sftp-server') });
afterAll(() => rm(wrapperDir, { recursive: true, force: true }));

// prlimit's options for the next sessions' sftp-server.
async function serverLimits(options: string): Promise<void> {
  await writeFile(limitFile, options);
  await chmod(limitFile, 0o644);
}

describe('a write refused with a bare Failure on a remote disk with room', () => {
  // User sees: "scpipe: DIR/f.bin: the server gave no reason, and its file
  // system is not full (N MiB free; the file stopped at 1048576 bytes): a
  // disk quota, a limit on file size or an I/O error …", exit 1, once (no
  // retry, which would say more). Left remotely: nothing.
  it('put and cp say what is ruled out and what is left to suspect, not just "write: Failure"', async () => {
    await serverLimits(`--fsize=${MiB}`);
    const dir = await userDir(sshd.user, 'fsize');
    const said = (name: string): RegExp =>
      new RegExp(`^scpipe: ${dir}/${name}: the server gave no reason, and its file system is not full \\(\\d+ MiB free; the file stopped at ${MiB} bytes\\): a disk quota, a limit on file size or an I/O error there may be the cause; the server's log or its administrator can tell which \\(${dir}/\\.${name.replace('.', '\\.')}\\.scpipe-\\w{6}: write: Failure\\)\n$`);
    const put = await runCli(['put', '-s', '--retries', '3', ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, `${dir}/f.bin`)], { stdin: Buffer.alloc(8 * MiB) });
    expect(put.status).toBe(1);
    expect(put.stderr).toMatch(said('f.bin'));
    const local = await mkdtemp(join(tmpdir(), 'scpipe-test-fsize-src-'));
    try {
      await writeFile(join(local, 'c.bin'), Buffer.alloc(8 * MiB));
      const cp = await runCli(['cp', '-s', ...sshFlags(sshd, sshd.user), join(local, 'c.bin'), remote(sshd, sshd.user, `${dir}/`)]);
      expect(cp.status).toBe(1);
      expect(cp.stderr).toMatch(said('c.bin'));
    } finally {
      await rm(local, { recursive: true, force: true });
    }
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('a symbolic link to nothing where cp -r makes a directory', () => {
  // mkdir() says EEXIST, sftp-server "Failure", and stat() finds nothing.
  // User sees: "scpipe: DIR/tree: File exists: a symbolic link to nothing is
  // in the way (…: mkdir: Failure)", exit 1, as scp -r says "File exists".
  // Left remotely: the link alone.
  it('cp -r names the link in the way', async () => {
    await serverLimits('');
    const dir = await userDir(sshd.user, 'mkdir');
    await symlink('nowhere', join(dir, 'tree'));
    const local = await mkdtemp(join(tmpdir(), 'scpipe-test-mkdir-src-'));
    try {
      await mkdir(join(local, 'tree'));
      await writeFile(join(local, 'tree', 'x'), 'x');
      const cp = await runCli(['cp', '-r', '-s', ...sshFlags(sshd, sshd.user), join(local, 'tree'), remote(sshd, sshd.user, `${dir}/`)]);
      expect(cp.status).toBe(1);
      expect(cp.stderr).toBe(`scpipe: ${dir}/tree: File exists: a symbolic link to nothing is in the way (${dir}/tree: mkdir: Failure)\n`);
    } finally {
      await rm(local, { recursive: true, force: true });
    }
    expect(await readdir(dir)).toEqual(['tree']);
  });
});

describe('a mkdir refused with a bare Failure on a remote disk with room', () => {
  // A directory with ext4's most subdirectories (65000 links, without
  // dir_nlink): mkdir() says EMLINK, sftp-server "Failure". User sees:
  // "scpipe: DIR/tree: the server gave no reason; its file system is neither
  // full nor read-only, with N MiB free (…: mkdir: Failure)", exit 1, with
  // no cause guessed (it is neither a quota nor an I/O error).
  it('cp -r says what is ruled out, and guesses no cause', async () => {
    requireLoopExt4();
    await serverLimits('');
    const dir = await userDir(sshd.user, 'emlink');
    const work = await mkdtemp(join(tmpdir(), 'scpipe-test-emlink-'));
    execFileSync('truncate', ['-s', '100M', join(work, 'fs.img')]);
    execFileSync('mkfs.ext4', ['-q', '-b', '1024', '-N', '66000', '-O', '^dir_nlink', join(work, 'fs.img')]);
    execFileSync('mount', ['-o', 'loop', join(work, 'fs.img'), dir]);
    try {
      execFileSync('sh', ['-c', 'mkdir full && cd full && seq 1 64998 | xargs mkdir'], { cwd: dir });
      execFileSync('chown', [`${sshd.user.uid}:${sshd.user.gid}`, join(dir, 'full')]);
      await mkdir(join(work, 'tree'));
      await writeFile(join(work, 'tree', 'x'), 'x');
      const cp = await runCli(['cp', '-r', '-s', ...sshFlags(sshd, sshd.user), join(work, 'tree'), remote(sshd, sshd.user, `${dir}/full/`)]);
      expect(cp.status).toBe(1);
      expect(cp.stderr).toMatch(new RegExp(`^scpipe: ${dir}/full/tree: the server gave no reason; its file system is neither full nor read-only, with \\d+ MiB free \\(${dir}/full/tree: mkdir: Failure\\)\n$`));
    } finally {
      execFileSync('umount', [dir]);
      await rm(work, { recursive: true, force: true });
    }
  }, 30_000);
});

// Writes 4 GiB to the local disk (about 30 s on 2 cores): the limit cannot be met with less.
describe('a remote file that stops at 4 GiB - 1 bytes, as on FAT', () => {
  // User sees: "scpipe: DIR/big.bin: the remote file stopped at 4294967295
  // bytes (4 GiB - 1), the largest file FAT holds: …", exit 1. Left
  // remotely: nothing (the 4 GiB temporary file is removed).
  it('put names FAT\'s limit and what to do', async () => {
    await serverLimits(`--fsize=${2 ** 32 - 1}`);
    const dir = await userDir(sshd.user, 'fat-limit');
    const put = await runCli(['put', '-s', ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, `${dir}/big.bin`)], {
      stdin: createReadStream('/dev/zero', { end: 2 ** 32 + 4 * MiB - 1 }),
      timeoutMs: 170_000,
    });
    expect(put.status).toBe(1);
    expect(put.stderr).toMatch(new RegExp(`^scpipe: ${dir}/big\\.bin: the remote file stopped at 4294967295 bytes \\(4 GiB - 1\\), the largest file FAT holds: the remote directory is likely on a FAT file system; store it on another one there, or send it in parts \\(--part-size 2G\\) \\(${dir}/\\.big\\.bin\\.scpipe-\\w{6}: write: Failure\\)\n$`));
    expect(await readdir(dir)).toEqual([]);
  }, 180_000);
});

describe('scpipe serve under a limit on file size', () => {
  // serve says its reason ("File too large"; Node ignores SIGXFSZ). User
  // sees: "scpipe: /p.bin: the remote file stopped at 1048576 bytes (…:
  // File too large)", exit 1: the target, where only the temporary name,
  // already removed, was said. Left remotely: nothing.
  const serve = servePerSuite();
  it('put and cp name the target and how far the file got', async () => {
    execFileSync('prlimit', ['--pid', String(serve.process.pid), `--fsize=${MiB}`]);
    const said = (name: string): RegExp =>
      new RegExp(`^scpipe: /${name}: the remote file stopped at ${MiB} bytes \\((/\\.${name.replace('.', '\\.')}\\.scpipe-\\w{6}): write: \\1: File too large\\)\n$`);
    const put = await runCli(['put', '-s', ...serve.scpipeArgs(), '127.0.0.1:/p.bin'], { stdin: Buffer.alloc(8 * MiB) });
    expect(put.status).toBe(1);
    expect(put.stderr).toMatch(said('p.bin'));
    const local = await mkdtemp(join(tmpdir(), 'scpipe-test-fsize-src-'));
    try {
      await writeFile(join(local, 'c.bin'), Buffer.alloc(8 * MiB));
      const cp = await runCli(['cp', '-s', ...serve.scpipeArgs(), join(local, 'c.bin'), '127.0.0.1:/']);
      expect(cp.status).toBe(1);
      expect(cp.stderr).toMatch(said('c.bin'));
    } finally {
      await rm(local, { recursive: true, force: true });
    }
    expect(await readdir(serve.root)).toEqual([]);
  });
});
