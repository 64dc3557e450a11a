// The names of what `get --output FILE --resume` keeps beside FILE, against
// the real sshd: a single file's kept file is of one remote path, so two
// remote files of one size and mtime second (split(1)'s chunks) never
// resume from each other's bytes, and one named by an earlier version (no
// path in its name) is started over; and a FILE as long as NAME_MAX allows
// works with --resume as it does without.
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { put } from '../../lib';
import { remote, runCli, sshFlags } from '../helpers/cli';
import { connectOptions, remotePath, userDir, type TestAccount } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-resume-names-');
const SIZE = 1024 * 1024 + 77;
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const listed = (): string[] => readdirSync(local()).sort();

// Files on the server with one mtime: the paths the account sees.
async function stored(account: TestAccount, files: Record<string, Buffer>): Promise<Record<string, string>> {
  const dir = await userDir(account, 'names');
  const paths: Record<string, string> = {};
  for (const [name, data] of Object.entries(files)) {
    await writeFile(join(dir, name), data);
    await utimes(join(dir, name), 1_700_000_000, 1_700_000_000);
    paths[name] = `${remotePath(account, dir)}/${name}`;
  }
  return paths;
}

const getArgs = (output: string, path: string, extra: string[] = []): string[] => ['get', '-v', '--resume', '--output', output, ...sshFlags(sshd, sshd.sftp), ...extra, remote(sshd, sshd.sftp, path)];

describe('get --output FILE --resume: the kept file is of one remote path', () => {
  it('a kept file of x.aa is not resumed from by a get of x.ab of the same size and mtime: removed, x.ab fetched whole', async () => {
    const aa = randomBytes(SIZE);
    const ab = randomBytes(SIZE);
    const paths = await stored(sshd.sftp, { 'x.aa': aa, 'x.ab': ab });
    const out = join(local(), 'out');
    // A run of x.aa that fails once it has every byte (a sum not the one expected) keeps them all.
    const first = await runCli(getArgs(out, paths['x.aa']!, ['--expect-sha256', sha(Buffer.from('other'))]), { timeoutMs: 60_000 });
    expect(first.status).toBe(1);
    const [kept] = listed();
    expect(kept).toMatch(/^out\.scpipe-partial-/);

    const r = await runCli(getArgs(out, paths['x.ab']!), { timeoutMs: 60_000 });
    expect(r.stderr).toContain(`starting over: removed ${join(local(), kept!)} (${SIZE} bytes kept): it was kept for another remote path\n`);
    expect(r.stderr).not.toContain('resuming');
    expect(r.stderr).toContain(`sftp: reading ${SIZE} bytes over`);
    expect(r.status).toBe(0);
    expect((await readFile(out)).equals(ab)).toBe(true);
    expect(listed()).toEqual(['out']);
  }, 60_000);

  it('a kept file named by an earlier version (FILE.scpipe-partial-SIZE-MTIME) is not resumed from: removed, the file fetched whole', async () => {
    const data = randomBytes(SIZE);
    const paths = await stored(sshd.sftp, { 'x.aa': data });
    const out = join(local(), 'out');
    const old = `out.scpipe-partial-${SIZE}-1700000000`;
    await writeFile(join(local(), old), Buffer.alloc(512 * 1024), { mode: 0o600 }); // which file's bytes, its name does not say
    await mkdir(join(local(), 'out.scpipe-partial-5-1700000000')); // not a regular file: left alone
    const r = await runCli(getArgs(out, paths['x.aa']!), { timeoutMs: 60_000 });
    expect(r.stderr).toContain(`starting over: removed ${join(local(), old)} (${512 * 1024} bytes kept): an earlier version of scpipe named it without the remote path, so which file it holds is not known\n`);
    expect(r.stderr).not.toContain('resuming');
    expect(r.status).toBe(0);
    expect((await readFile(out)).equals(data)).toBe(true);
    expect(listed()).toEqual(['out', 'out.scpipe-partial-5-1700000000']);
  }, 60_000);
});

describe('get --output FILE --resume into a FILE with a long name', () => {
  // 199 bytes: the longest kept whole in the names; 200: the first cut. Uncut, the kept
  // file's name of this SIZE fails from 213 bytes (after the login), the lock's from 244.
  it.each([199, 200, 212, 213, 243, 244, 255])('a %i-byte FILE: stored, nothing left beside it', async (length) => {
    const data = randomBytes(SIZE);
    const paths = await stored(sshd.sftp, { 'a.bin': data });
    const name = 'n'.repeat(length);
    const r = await runCli(getArgs(join(local(), name), paths['a.bin']!), { timeoutMs: 60_000 });
    expect(r.stderr).not.toContain('too long');
    expect(r.status).toBe(0);
    expect((await readFile(join(local(), name))).equals(data)).toBe(true);
    expect(listed()).toEqual([name]);
  }, 60_000);

  it('a 255-byte FILE of two-byte characters: the kept file a failed run leaves is found and resumed by the next', async () => {
    const data = randomBytes(SIZE);
    const paths = await stored(sshd.sftp, { 'a.bin': data });
    const name = 'é'.repeat(127) + 'x'; // 255 bytes
    const out = join(local(), name);
    const first = await runCli(getArgs(out, paths['a.bin']!, ['--expect-sha256', sha(Buffer.from('other'))]), { timeoutMs: 60_000 });
    expect(first.stderr).not.toContain('too long');
    expect(first.status).toBe(1);
    const [kept] = listed();
    expect(Buffer.byteLength(kept!)).toBeLessThanOrEqual(255);
    expect(first.stderr).toContain(`; ${join(local(), kept!)} is kept, whole (${SIZE} bytes)`);

    const r = await runCli(getArgs(out, paths['a.bin']!), { timeoutMs: 60_000 });
    expect(r.stderr).toContain(`resuming ${join(local(), kept!)}: `);
    expect(r.stderr).toContain(`reading on from byte ${SIZE}\n`);
    expect(r.status).toBe(0);
    expect((await readFile(out)).equals(data)).toBe(true);
    expect(listed()).toEqual([name]);
  }, 60_000);

  it('a 255-byte FILE: a kept file left by a failed run is named by a later get that stores FILE without --resume', async () => {
    const data = randomBytes(SIZE);
    const paths = await stored(sshd.sftp, { 'a.bin': data });
    const out = join(local(), 'n'.repeat(255));
    expect((await runCli(getArgs(out, paths['a.bin']!, ['--expect-sha256', sha(Buffer.from('other'))]), { timeoutMs: 60_000 })).status).toBe(1);
    const kept = join(local(), listed()[0]!);
    await utimes(kept, new Date(Date.now() - 3 * 3600_000), new Date(Date.now() - 3 * 3600_000));
    const r = await runCli(['get', '--output', out, ...sshFlags(sshd, sshd.sftp), remote(sshd, sshd.sftp, paths['a.bin']!)], { timeoutMs: 60_000 });
    expect(r.stderr).toBe(`scpipe: warning: ${kept} (1 MiB, last written 3 h ago) is kept by a get --resume of this file that did not finish, and this run did not need it; remove it (rm) unless one is still running\n`);
    expect(r.status).toBe(0);
    expect((await readFile(out)).equals(data)).toBe(true);
  }, 60_000);

  it('a 255-byte FILE: a parts set is restored into it', async () => {
    const data = randomBytes(300_000);
    const dir = await userDir(sshd.sftp, 'set');
    await put(connectOptions(sshd, sshd.sftp), `${remotePath(sshd.sftp, dir)}/a.bin`, Readable.from([data]), { partSize: 100_000 });
    const name = 'n'.repeat(255);
    const r = await runCli(getArgs(join(local(), name), `${remotePath(sshd.sftp, dir)}/a.bin`), { timeoutMs: 60_000 });
    expect(r.stderr).not.toContain('too long');
    expect(r.status).toBe(0);
    expect((await readFile(join(local(), name))).equals(data)).toBe(true);
    expect(listed()).toEqual([name]);
  }, 60_000);
});
