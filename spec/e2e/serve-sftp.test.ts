// `scpipe serve` speaking SFTP to OpenSSH's own clients: `scp` in its default
// (SFTP) mode and `sftp -b`. Transfers, trees with modes and times, the
// commands users type, the jail (escapes through `..`, absolute paths and
// symlinks), --read-only, many clients at once, and descriptors released
// when a client vanishes with files open.
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, readdir, readlink, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import { waitFor } from '../helpers/async';
import { runProgram, type ProgramRun } from '../helpers/run-program';
import { emptyRoot, servePerSuite, sftpBatch, ssh2Client, startServe, type TestServe } from '../helpers/serve';
import { outsideDirPerTest, tempDirPerTest } from '../helpers/temp-dir';
import { unmount } from '../helpers/tmpfs';

// 20 clients log in at once from one address, with one key, below: more
// than the default caps on unauthenticated connections (serve-flood.test.ts
// tests those) and on one key's connections (serve-per-key-limits.test.ts).
const serve = servePerSuite(['--max-startups', '64', '--max-per-address', '64', '--max-connections-per-key', '64']);
let local: string;
let outside: string; // must never be read or written through the server

const localDir = tempDirPerTest('scpipe-test-sftplocal-');
const outsideDir = outsideDirPerTest();
beforeEach(() => {
  [local, outside] = [localDir(), outsideDir()];
});
afterEach(() => emptyRoot(serve));

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
// OpenSSH's scp in its default mode, which is SFTP since 9.0.
const scp = (s: TestServe, ...args: string[]): Promise<ProgramRun> => runProgram('scp', ['-q', ...s.sshArgs(), ...args]);
// `sftp -b -`: the batch on stdin; a failing command ends the batch with status 1.
const sftp = sftpBatch;

describe('serve with OpenSSH scp (SFTP mode)', () => {
  it('takes an upload and gives it back', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    await writeFile(join(local, 'up.bin'), data);
    expect(await scp(serve, join(local, 'up.bin'), '127.0.0.1:/up.bin')).toMatchObject({ status: 0, stderr: '' });
    expect(sha(await readFile(join(serve.root, 'up.bin')))).toBe(sha(data));
    expect(await scp(serve, '127.0.0.1:up.bin', join(local, 'down.bin'))).toMatchObject({ status: 0, stderr: '' });
    expect(sha(await readFile(join(local, 'down.bin')))).toBe(sha(data));
    expect(serve.log()).toMatch(/ sftp upload \/up\.bin 3145745 bytes ok/);
    expect(serve.log()).toMatch(/ sftp download \/up\.bin 3145745 bytes ok/);
  });

  it('copies -r -p trees both ways with contents, modes and times', async () => {
    await mkdir(join(local, 'tree', 'sub'), { recursive: true });
    await writeFile(join(local, 'tree', 'a b.txt'), 'spaces');
    await writeFile(join(local, 'tree', 'sub', 'x'), 'x');
    await chmod(join(local, 'tree', 'sub', 'x'), 0o640);
    await chmod(join(local, 'tree', 'sub'), 0o750);
    await utimes(join(local, 'tree', 'sub', 'x'), 1400000000, 1500000000);
    expect(await scp(serve, '-r', '-p', join(local, 'tree'), '127.0.0.1:/')).toMatchObject({ status: 0, stderr: '' });
    const st = await stat(join(serve.root, 'tree', 'sub', 'x'));
    expect(st.mode & 0o777).toBe(0o640);
    expect(st.mtimeMs).toBe(1500000000000);
    expect((await stat(join(serve.root, 'tree', 'sub'))).mode & 0o777).toBe(0o750);
    expect(await readFile(join(serve.root, 'tree', 'a b.txt'), 'utf8')).toBe('spaces');
    expect(await scp(serve, '-r', '-p', '127.0.0.1:/tree', join(local, 'back'))).toMatchObject({ status: 0, stderr: '' });
    const back = await stat(join(local, 'back', 'sub', 'x'));
    expect(back.mtimeMs).toBe(1500000000000);
    expect(back.mode & 0o777).toBe(0o640);
    expect(await readFile(join(local, 'back', 'a b.txt'), 'utf8')).toBe('spaces');
  });

  // As sftp-server, whose open("nodir/", O_CREAT) fails (EISDIR): the
  // file is not stored as `nodir`, where the next upload would replace it.
  it('refuses a file to DIR/ where DIR is missing or a file; a tree makes DIR', async () => {
    await writeFile(join(local, 'f'), 'new');
    await writeFile(join(serve.root, 'file'), 'old');
    await symlink(outside, join(serve.root, 'out'));
    for (const name of ['nodir', 'file', 'out']) {
      const r = await scp(serve, join(local, 'f'), `127.0.0.1:/${name}/`);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`dest open "/${name}/"`);
    }
    const batch = await sftp(serve, ['put ' + join(local, 'f') + ' /nodir/']);
    expect(batch.status).toBe(1);
    expect(await readdir(outside)).toEqual(['secret']);
    expect(await readFile(join(serve.root, 'file'), 'utf8')).toBe('old');
    expect((await readdir(serve.root)).sort()).toEqual(['file', 'out']);
    await mkdir(join(local, 'tree'));
    await writeFile(join(local, 'tree', 'g'), 'g');
    expect(await scp(serve, '-r', join(local, 'tree'), '127.0.0.1:/made/')).toMatchObject({ status: 0, stderr: '' });
    expect(await readFile(join(serve.root, 'made', 'g'), 'utf8')).toBe('g');
  });

  it('treats ~ as the root', async () => {
    await writeFile(join(local, 'f'), 'home');
    expect(await scp(serve, join(local, 'f'), '127.0.0.1:~/f')).toMatchObject({ status: 0 });
    expect(await readFile(join(serve.root, 'f'), 'utf8')).toBe('home');
  });
});

describe('serve with OpenSSH sftp -b', () => {
  it('puts, gets, resumes, lists, renames over a file, removes, and reports the disk', async () => {
    const data = randomBytes(600 * 1024);
    await writeFile(join(local, 'big'), data);
    await writeFile(join(local, 'old'), 'old');
    await writeFile(join(local, 'new'), 'new');
    // A partial upload and a partial download to resume.
    await writeFile(join(serve.root, 'big'), data.subarray(0, 200 * 1024));
    await writeFile(join(local, 'half'), data.subarray(0, 100 * 1024));
    const r = await sftp(serve, [
      `cd /`,
      `reput ${join(local, 'big')} big`,
      `mkdir d`,
      `put ${join(local, 'old')} d/target`,
      `put ${join(local, 'new')} d/incoming`,
      `rename d/incoming d/target`,
      `ls -l d`,
      `reget big ${join(local, 'half')}`,
      `get d/target ${join(local, 'got')}`,
      `df`,
      `rm d/target`,
      `rmdir d`,
      `ls`,
    ]);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(sha(await readFile(join(serve.root, 'big')))).toBe(sha(data));
    expect(sha(await readFile(join(local, 'half')))).toBe(sha(data));
    expect(await readFile(join(local, 'got'), 'utf8')).toBe('new');
    expect(r.stdout).toMatch(/^-rw-r--r-- .* target$/m);
    expect(r.stdout).toMatch(/Size\s+Used\s+Avail\s+\(root\)\s+%Capacity\n\s*\d+\s+\d+\s+\d+\s+\d+\s+\d+%/);
    expect(await readdir(serve.root)).toEqual(['big']);
  });

  it('answers realpath of . with / and never names the real root', async () => {
    const r = await sftp(serve, ['pwd', 'cd nowhere', 'get /etc/passwd /dev/null']);
    expect(r.stdout).toContain('Remote working directory: /');
    expect(r.status).toBe(1);
    expect(r.stdout + r.stderr).not.toContain(serve.root);
    expect(serve.log().split('\n').filter((line) => line.includes(' sftp '))).not.toContainEqual(expect.stringContaining(serve.root));
  });
});

describe('serve with the OpenSSH extensions', () => {
  it('makes hard links inside the root, fsyncs on put -f, and refuses a hard link to a link that leads outside', async () => {
    await writeFile(join(local, 'f'), 'synced');
    await symlink(join(outside, 'secret'), join(serve.root, 'out'));
    const r = await sftp(serve, [`put -f ${join(local, 'f')} f`, 'ln f hard', '-ln out hardout']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/hardout.*Permission denied|Permission denied/);
    expect((await stat(join(serve.root, 'hard'))).ino).toBe((await stat(join(serve.root, 'f'))).ino);
    await expect(stat(join(serve.root, 'hardout'))).rejects.toThrow();
    expect(serve.log()).toMatch(/ sftp hardlink \/f \/hard ok/);
  });
});

describe('serve keeps SFTP clients inside the root', () => {
  // serve runs as one user for every client (here root): a client must not
  // make a file that runs as that user. User sees: the chmods succeed (as
  // the bits are dropped, not refused), the root's chmod is refused. Left:
  // no setuid or setgid bit anywhere; the root's mode unchanged.
  it('makes nothing setuid or setgid, over SFTP or scp -O -p, and never chmods the root', async () => {
    await writeFile(join(local, 'tool'), '#!/bin/sh\n');
    await chmod(join(local, 'tool'), 0o4755);
    const rootMode = (await stat(serve.root)).mode & 0o7777;
    const r = await sftp(serve, [`put -p ${join(local, 'tool')} /tool`, 'chmod 6755 /tool', 'mkdir /d', 'chmod 2777 /d', '-chmod 777 /', '-chmod 777 /d/..']);
    expect(r.stderr).toMatch(/remote setstat "\/": Permission denied/);
    expect((await stat(join(serve.root, 'tool'))).mode & 0o7777).toBe(0o755);
    expect((await stat(join(serve.root, 'd'))).mode & 0o7777).toBe(0o777);
    expect((await stat(serve.root)).mode & 0o7777).toBe(rootMode);
    expect(await scp(serve, '-O', '-p', join(local, 'tool'), '127.0.0.1:/tool2')).toMatchObject({ status: 0 });
    expect((await stat(join(serve.root, 'tool2'))).mode & 0o7777).toBe(0o755);
    await mkdir(join(local, 'sgid'));
    await chmod(join(local, 'sgid'), 0o2755);
    expect(await scp(serve, '-O', '-r', '-p', join(local, 'sgid'), '127.0.0.1:/sgid')).toMatchObject({ status: 0 });
    expect((await stat(join(serve.root, 'sgid'))).mode & 0o7777).toBe(0o755);
  });

  it('clamps ../ and absolute paths at the root', async () => {
    await writeFile(join(local, 'f'), 'inside');
    expect(await scp(serve, join(local, 'f'), '127.0.0.1:../../../f')).toMatchObject({ status: 0 });
    expect(await readFile(join(serve.root, 'f'), 'utf8')).toBe('inside');
    const r = await scp(serve, `127.0.0.1:${join(outside, 'secret')}`, join(local, 'stolen'));
    expect(r.status).toBe(1);
    await expect(stat(join(local, 'stolen'))).rejects.toThrow();
    expect((await scp(serve, join(local, 'f'), `127.0.0.1:${join(outside, 'planted')}`)).status).toBe(1);
  });

  it('neither reads, writes nor lists through a symlink that leads outside', async () => {
    await symlink(outside, join(serve.root, 'out'));
    await symlink(join(outside, 'secret'), join(serve.root, 'secret'));
    await writeFile(join(local, 'f'), 'planted');
    const r = await sftp(serve, ['-get secret', `-get out/secret ${join(local, 'x')}`, `-put ${join(local, 'f')} out/planted`, `-put ${join(local, 'f')} secret`, '-ls out', '-cd out', 'ls -l']);
    expect(r.stderr).toMatch(/secret.*Permission denied|Permission denied.*secret/);
    expect(r.stdout).not.toMatch(/^-.* secret$/m); // the regular file outside, listed through the link
    await expect(stat(join(local, 'x'))).rejects.toThrow();
    await expect(stat(join(local, 'secret'))).rejects.toThrow();
    expect((await scp(serve, '-r', '127.0.0.1:/out', join(local, 'tree'))).status).toBe(1);
    // lstat shows the links themselves (as `ls -l` would), and removing one removes the link only.
    expect(r.stdout).toMatch(/^l.* secret$/m);
    expect(await sftp(serve, ['rm secret'])).toMatchObject({ status: 0 });
    await expect(stat(join(serve.root, 'secret'))).rejects.toThrow();
  });

  it('creates symlinks only to targets inside the root', async () => {
    await writeFile(join(serve.root, 'file'), 'data');
    const refused = await sftp(serve, [`ln -s ../../../../../${outside.slice(1)}/secret escape`]);
    expect(refused.status).toBe(1);
    await expect(readlink(join(serve.root, 'escape'))).rejects.toThrow();
    // An absolute target is a path as the client sees it: stored relative, it stays inside.
    const r = await sftp(serve, ['ln -s /file abs', 'ln -s file rel', `ln -s ${outside}/secret clientabs`, `get abs ${join(local, 'a')}`, `get rel ${join(local, 'r')}`]);
    expect(r).toMatchObject({ status: 0 });
    expect(await readlink(join(serve.root, 'abs'))).toBe('file');
    expect(await readlink(join(serve.root, 'clientabs'))).toBe(`${outside.slice(1)}/secret`);
    expect(await readFile(join(local, 'a'), 'utf8')).toBe('data');
    expect(await readFile(join(local, 'r'), 'utf8')).toBe('data');
  });

  it('--read-only refuses every write request with permission denied', async () => {
    const ro = await startServe(['--read-only']);
    try {
      await writeFile(join(ro.root, 'file'), 'data');
      await mkdir(join(ro.root, 'dir'));
      await writeFile(join(local, 'f'), 'new');
      for (const command of [`put ${join(local, 'f')} new`, `put ${join(local, 'f')} file`, 'mkdir d', 'rm file', 'rmdir dir', 'rename file other', 'ln -s file link', 'chmod 600 file']) {
        const r = await sftp(ro, [command]);
        expect({ command, status: r.status, denied: /Permission denied/.test(r.stderr) }).toEqual({ command, status: 1, denied: true });
      }
      expect((await scp(ro, join(local, 'f'), '127.0.0.1:/new')).status).toBe(1);
      expect((await readdir(ro.root)).sort()).toEqual(['dir', 'file']);
      expect(await readFile(join(ro.root, 'file'), 'utf8')).toBe('data');
      expect(await sftp(ro, [`get file ${join(local, 'got')}`])).toMatchObject({ status: 0 });
      expect(await readFile(join(local, 'got'), 'utf8')).toBe('data');
    } finally {
      await ro.stop();
    }
  });
});

describe('serve with many SFTP clients', () => {
  it('20 clients at once, half scp -O and half SFTP, all land byte-exact', async () => {
    const files = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const data = randomBytes(256 * 1024 + i);
        await writeFile(join(local, `f${i}`), data);
        return sha(data);
      }),
    );
    const runs = await Promise.all(files.map((_, i) => scp(serve, ...(i % 2 ? ['-O'] : []), join(local, `f${i}`), `127.0.0.1:/f${i}`)));
    expect(runs.map((r) => r.status)).toEqual(files.map(() => 0));
    for (let i = 0; i < files.length; i++) expect(sha(await readFile(join(serve.root, `f${i}`)))).toBe(files[i]);
  });

  it('closes every handle of a client that vanishes with files open', async () => {
    const pid = serve.process.pid!;
    const fds = (): number => readdirSync(`/proc/${pid}/fd`).length;
    await writeFile(join(serve.root, 'r'), 'read me');
    const before = fds();
    const client = await ssh2Client(serve);
    const sftpSession = await new Promise<SFTPWrapper>((resolve, reject) => client.sftp((err, s) => (err ? reject(err) : resolve(s))));
    const open = (path: string, flags: 'r' | 'w'): Promise<Buffer> =>
      new Promise((resolve, reject) => sftpSession.open(path, flags, (err, h) => (err ? reject(err) : resolve(h))));
    for (let i = 0; i < 8; i++) await open(`/w${i}`, 'w');
    for (let i = 0; i < 8; i++) await open('/r', 'r');
    expect(fds()).toBeGreaterThanOrEqual(before + 16);
    client.destroy();
    await waitFor(() => fds() <= before, `serve's descriptors back to ${before}`);
    await waitFor(() => (serve.log().match(/the session ended with the file open/g) ?? []).length >= 16, 'a log line per file left open');
  });

  it('caps the handles one session may hold', async () => {
    const client = await ssh2Client(serve);
    try {
      const s = await new Promise<SFTPWrapper>((resolve, reject) => client.sftp((err, x) => (err ? reject(err) : resolve(x))));
      await writeFile(join(serve.root, 'r'), 'r');
      const results = await Promise.all(
        Array.from({ length: 70 }, () => new Promise<string>((resolve) => s.open('/r', 'r', (err) => resolve(err ? err.message : 'ok')))),
      );
      expect(results.filter((r) => r === 'ok')).toHaveLength(64);
      expect(results.filter((r) => /too many open handles/.test(r))).toHaveLength(6);
    } finally {
      client.end();
    }
  });
});

// The transfer log line is what an admin (or a script grepping it) reads:
// an upload whose writes failed must not be logged "ok" when it is closed.
describe('serve on a full disk', () => {
  let full: TestServe;
  beforeAll(async () => {
    full = await startServe();
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', full.root]);
  });
  afterAll(async () => {
    await unmount(full.root);
    await full?.stop();
  });

  it('logs an SFTP upload cut short by ENOSPC as failed, not ok', async () => {
    await writeFile(join(local, 'big'), randomBytes(3 * 1024 * 1024));
    const r = await scp(full, join(local, 'big'), '127.0.0.1:/big');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/write remote "\/big": Failure/);
    await waitFor(() => / sftp upload \/big \d+ bytes /.test(full.log()), 'the transfer log line');
    expect(full.log()).toMatch(/ sftp upload \/big \d+ bytes failed: \/big: No space left on device\n/);
    expect(full.log()).not.toMatch(/ sftp upload \/big \d+ bytes ok/);
  });

  // PuTTY's pscp -sftp hangs up after a failed write without closing the
  // handle: the line said only that the session ended, not the full disk.
  it('keeps the reason of a failed write when the client hangs up with the file open', async () => {
    const client = await ssh2Client(full);
    const sftpSession = await new Promise<SFTPWrapper>((resolve, reject) => client.sftp((err, s) => (err ? reject(err) : resolve(s))));
    const handle = await new Promise<Buffer>((resolve, reject) => sftpSession.open('/left', 'w', (err, h) => (err ? reject(err) : resolve(h))));
    const chunk = randomBytes(32 * 1024);
    let failed: Error | undefined;
    for (let offset = 0; !failed && offset < 4 * 1024 * 1024; offset += chunk.length) {
      failed = await new Promise<Error | undefined>((resolve) => sftpSession.write(handle, chunk, 0, chunk.length, offset, (err) => resolve(err ?? undefined)));
    }
    expect(failed).toBeDefined();
    client.destroy();
    await waitFor(() => / sftp upload \/left \d+ bytes /.test(full.log()), 'the transfer log line');
    expect(full.log()).toMatch(/ sftp upload \/left \d+ bytes failed: \/left: No space left on device \(the session ended with the file open\)\n/);
  });
});
