// `cp` after a dropped connection: the sshd processes serving the copy are
// killed in the middle of its second file. The copy connects again and goes
// on: the sources already finished are not sent again, the one cut short is
// sent again from its start. A directory lands where the first attempt put
// it, except over SCP to a new name, which is not retried (scp alone decides
// where a directory goes). Each test says what the user sees and what is left
// on disk on both sides.
import { createHash, randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, opendir, readFile, readdir, rmdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { remotePath, userDir, type TestAccount } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { dropConnections } from '../helpers/drop-connections';
import { homeOf, remote, sshFlags, startCli, type CliResult, type CliRun } from '../helpers/cli';
import { tempDirPerTest } from '../helpers/temp-dir';
import { waitFor } from '../helpers/async';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-test-cp-retry-');
const MiB = 1024 * 1024;
const A = randomBytes(1 * MiB);
const B = randomBytes(24 * MiB);
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
// -l 80000 (10 MB/s): the second file takes ~2.5 s, so the kill lands in it.
const SLOW = ['-l', '80000'];

// The lines that announce a retry, as the user sees them on stderr.
const retryLines = (stderr: string): string[] => stderr.split('\n').filter((l) => /; retry \d+ of \d+ in \d+ s$/.test(l));

// The size of the file in `dir` whose name matches `name` (0 while there is none).
async function sizeOf(dir: string, name: RegExp): Promise<number> {
  const [file] = (await readdir(dir)).filter((f) => name.test(f));
  return file === undefined ? 0 : (await stat(join(dir, file)).catch(() => ({ size: 0 }))).size;
}

// Drops the connection once 4 MiB of b.bin (its file in `dir` matches
// `partial`) arrived, then checks what the user gets: one retry line naming
// b.bin, exit 0, a.bin and b.bin byte-exact and nothing else in `dir`, and
// a.bin not written again (same inode and change time). Resolves with the run.
async function dropInB(run: CliRun, dir: string, partial: RegExp): Promise<CliResult> {
  await waitFor(async () => (await sizeOf(dir, partial)) >= 4 * MiB, 'b.bin on its way', 60_000);
  const before = await stat(join(dir, 'a.bin'));
  expect(await dropConnections(sshd)).toBeGreaterThan(0);
  const r = await run.done;
  expect(retryLines(r.stderr)).toEqual([expect.stringMatching(/^scpipe: .*b\.bin: .*; retry 1 of 5 in 1 s$/)]);
  expect(r.status).toBe(0);
  expect((await readdir(dir)).sort()).toEqual(['a.bin', 'b.bin']);
  expect((await readFile(join(dir, 'a.bin'))).equals(A)).toBe(true);
  expect((await readFile(join(dir, 'b.bin'))).equals(B)).toBe(true);
  const after = await stat(join(dir, 'a.bin'));
  expect([after.ino, after.ctimeMs]).toEqual([before.ino, before.ctimeMs]);
  return r;
}

// A new directory in `dir` that a walk (opendir order, not readdir's sorted
// one; a remote listing is the server's readdir order) meets before `name`.
async function dirBefore(dir: string, name: string): Promise<string> {
  for (let i = 0; i < 50; i++) {
    await mkdir(join(dir, `ro${i}`));
    const order: string[] = [];
    for await (const entry of await opendir(dir)) order.push(entry.name);
    if (order.indexOf(`ro${i}`) < order.indexOf(name)) return `ro${i}`;
    await rmdir(join(dir, `ro${i}`));
  }
  throw new Error(`no name found that comes before ${name} in ${dir}`);
}

// a.bin and b.bin in a new local directory.
async function localSources(): Promise<string[]> {
  const dir = join(local(), 'src');
  await mkdir(dir);
  await writeFile(join(dir, 'a.bin'), A);
  await writeFile(join(dir, 'b.bin'), B);
  return [join(dir, 'a.bin'), join(dir, 'b.bin')];
}

// a.bin and b.bin in a new remote directory of `account`.
async function remoteSources(account: TestAccount): Promise<{ dir: string; specs: string[] }> {
  const dir = await userDir(account, 'cp-retry-src');
  for (const [name, data] of [['a.bin', A], ['b.bin', B]] as const) {
    await writeFile(join(dir, name), data);
    await chown(join(dir, name), account.uid, account.gid);
  }
  return { dir, specs: ['a.bin', 'b.bin'].map((n) => remote(sshd, account, `${remotePath(account, dir)}/${n}`)) };
}

describe.each([
  ['SCP (the scp-only account, auto)', () => sshd.rssh, [] as string[], /^b\.bin$/, 'scp'],
  ['SFTP (the internal-sftp account)', () => sshd.sftp, [] as string[], /^\.b\.bin\.scpipe-/, 'sftp'],
])('cp of two files up, over %s: a dropped connection', (_name, account, extra, partial, protocol) => {
  // User sees: one retry line, exit 0. Left remotely: a.bin and b.bin,
  // byte-exact; a.bin not written again (same inode and change time); no
  // temporary file. Locally: the sources, untouched.
  it('goes on with the file cut short; the finished one is not sent again', async () => {
    const sources = await localSources();
    const dir = await userDir(account(), 'cp-retry-up');
    const sums = join(local(), 'sums');
    const run = startCli(['cp', '--json', '--checksum-file', sums, ...sshFlags(sshd, account()), ...SLOW, ...extra, ...sources, remote(sshd, account(), `${remotePath(account(), dir)}/`)], { timeoutMs: 120_000 });
    const r = await dropInB(run, dir, partial);
    // --json counts the retry, and names the protocol that ran.
    expect(JSON.parse(r.stdout.toString())).toMatchObject({ command: 'cp', ok: true, exit_status: 0, retries: 1, protocol: protocol, error: null });
    // Each file once, b.bin with the sum of the copy that completed.
    expect(await readFile(sums, 'utf8')).toBe(`${sha(A)}  ${sources[0]}\n${sha(B)}  ${sources[1]}\n`);
  }, 150_000);
});

describe.each([
  ['SCP (-O)', () => sshd.user, ['-O']],
  ['SFTP', () => sshd.sftp, [] as string[]],
])('cp of two files down, over %s: a dropped connection', (_name, account, extra) => {
  // User sees: one retry line, exit 0. Left locally: a.bin and b.bin,
  // byte-exact, a.bin not written again, no temporary file. Remotely: the
  // sources, untouched.
  it('goes on with the file cut short; the finished one is not fetched again', async () => {
    const { specs } = await remoteSources(account());
    const target = join(local(), 'out');
    await mkdir(target);
    const sums = join(local(), 'sums');
    const run = startCli(['cp', '--checksum-file', sums, ...sshFlags(sshd, account()), ...SLOW, ...extra, ...specs, target], { timeoutMs: 120_000 });
    await dropInB(run, target, /^\.b\.bin\.scpipe-|^\.scpipe-/);
    expect(await readFile(sums, 'utf8')).toBe(`${sha(A)}  ${join(target, 'a.bin')}\n${sha(B)}  ${join(target, 'b.bin')}\n`);
  }, 150_000);
});

describe('cp -r of one directory to a new name: where a retry puts it', () => {
  async function tree(): Promise<string> {
    const dir = join(local(), 'tree');
    await mkdir(dir);
    await writeFile(join(dir, 'b.bin'), B);
    return dir;
  }

  // User sees: a retry line, exit 0. Left remotely: new/b.bin, byte-exact,
  // and no new/tree (the retry kept the first attempt's reading of "new").
  it('over SFTP: the retry fills the directory the first attempt made', async () => {
    const parent = await userDir(sshd.sftp, 'cp-retry-tree');
    const run = startCli(['cp', '-r', ...sshFlags(sshd, sshd.sftp), ...SLOW, await tree(), remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, parent)}/new`)], { timeoutMs: 120_000 });
    await waitFor(async () => (await sizeOf(join(parent, 'new'), /^\.b\.bin\.scpipe-/).catch(() => 0)) >= 4 * MiB, 'b.bin on its way', 60_000);
    expect(await dropConnections(sshd)).toBeGreaterThan(0);
    const r = await run.done;
    expect(retryLines(r.stderr)).toHaveLength(1);
    expect(r.status).toBe(0);
    expect(await readdir(join(parent, 'new'))).toEqual(['b.bin']);
    expect((await readFile(join(parent, 'new', 'b.bin'))).equals(B)).toBe(true);
  }, 150_000);

  // A directory the first attempt made and left read-only (0555, its mode
  // set once its files were in) is filled again by the retry. Before, each
  // of its files said "open: Permission denied" and the copy exited 1,
  // though the first attempt had stored them. User sees: a retry line, exit
  // 0. Left remotely: new/RO/x and new/b.bin byte-exact, RO 0555 again.
  it('over SFTP: the retry fills again a read-only directory the first attempt made', async () => {
    const dir = join(local(), 'tree');
    await mkdir(dir);
    await writeFile(join(dir, 'b.bin'), B);
    const ro = await dirBefore(dir, 'b.bin');
    await writeFile(join(dir, ro, 'x'), 'x\n');
    await chmod(join(dir, ro), 0o555);
    const parent = await userDir(sshd.sftp, 'cp-retry-ro');
    const run = startCli(['cp', '-r', ...sshFlags(sshd, sshd.sftp), ...SLOW, dir, remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, parent)}/new`)], { timeoutMs: 120_000 });
    await waitFor(async () => (await sizeOf(join(parent, 'new'), /^\.b\.bin\.scpipe-/).catch(() => 0)) >= 4 * MiB, 'b.bin on its way', 60_000);
    expect((await stat(join(parent, 'new', ro))).mode & 0o777).toBe(0o555);
    expect(await dropConnections(sshd)).toBeGreaterThan(0);
    const r = await run.done;
    expect(r.stderr).not.toContain('Permission denied');
    expect(retryLines(r.stderr)).toHaveLength(1);
    expect(r.status).toBe(0);
    expect((await readdir(join(parent, 'new'))).sort()).toEqual(['b.bin', ro]);
    expect(await readFile(join(parent, 'new', ro, 'x'), 'utf8')).toBe('x\n');
    expect((await stat(join(parent, 'new', ro))).mode & 0o777).toBe(0o555);
    expect((await readFile(join(parent, 'new', 'b.bin'))).equals(B)).toBe(true);
  }, 150_000);

  // User sees: exit 1, the lost connection and why it was not retried; no
  // retry line. Left remotely: new/b.bin cut short (scp writes in place).
  it('over SCP: not retried, and says why', async () => {
    const parent = await userDir(sshd.rssh, 'cp-retry-tree');
    const run = startCli(['cp', '-r', ...sshFlags(sshd, sshd.rssh), ...SLOW, await tree(), remote(sshd, sshd.rssh, `${parent}/new`)], { timeoutMs: 120_000 });
    await waitFor(async () => (await sizeOf(join(parent, 'new'), /^b\.bin$/).catch(() => 0)) >= 4 * MiB, 'b.bin on its way', 60_000);
    expect(await dropConnections(sshd)).toBeGreaterThan(0);
    const r = await run.done;
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/; not copied again: over SCP a second copy of a directory would land inside the one the first attempt may have made\n$/);
    // Only the remote scp knew whether `new` was a directory: both places are named.
    expect(r.stderr).toContain(`; the remote file ${parent}/new/b.bin (or ${parent}/new/tree/b.bin, if ${parent}/new was a directory) is left cut short: at most `);
    expect(retryLines(r.stderr)).toEqual([]);
    expect((await stat(join(parent, 'new', 'b.bin'))).size).toBeLessThan(B.length);
  }, 150_000);

  // User sees: a retry line, exit 0. Left locally: new/b.bin, byte-exact,
  // and no new/tree.
  // Run by a user who is not root (root writes into 0555 anyway). Before,
  // each file of the read-only directory the first attempt had made and
  // left said "Permission denied" on the retry, exit 1. User sees: a retry
  // line, exit 0. Left locally: new/RO/x and new/b.bin, RO 0555 again.
  it.each([['-s'], ['-O']])('down (%s), not as root: the retry fills again a read-only directory the first attempt made', async (protocol) => {
    const dir = await userDir(sshd.user, 'cp-retry-ro-down');
    await mkdir(join(dir, 'tree'));
    await writeFile(join(dir, 'tree', 'b.bin'), B);
    const ro = await dirBefore(join(dir, 'tree'), 'b.bin');
    await writeFile(join(dir, 'tree', ro, 'x'), 'x\n');
    await chmod(join(dir, 'tree', ro), 0o555);
    // The CLI runs as scpipe-rssh's uid, in a home of its own with its copy of the key.
    const as = sshd.rssh;
    const { home, flags } = await homeOf(as, local(), sshd, sshd.user);
    const target = join(home, 'new');
    const run = startCli(['cp', '-r', protocol, ...flags, ...SLOW, remote(sshd, sshd.user, `${dir}/tree`), target], { timeoutMs: 120_000, user: as, env: { HOME: home }, cwd: home });
    await waitFor(async () => ((await stat(join(target, ro)).catch(() => undefined))?.mode ?? 0) % 0o1000 === 0o555, `${ro} made and left`, 60_000);
    expect(await dropConnections(sshd)).toBeGreaterThan(0);
    const r = await run.done;
    expect(r.stderr).not.toContain('Permission denied');
    expect(retryLines(r.stderr)).toHaveLength(1);
    expect(r.status).toBe(0);
    expect((await readdir(target)).sort()).toEqual(['b.bin', ro]);
    expect(await readFile(join(target, ro, 'x'), 'utf8')).toBe('x\n');
    expect((await stat(join(target, ro))).mode & 0o777).toBe(0o555);
    expect((await readFile(join(target, 'b.bin'))).equals(B)).toBe(true);
  }, 150_000);

  it('down over SCP: the retry fills the local directory the first attempt made', async () => {
    const dir = await userDir(sshd.user, 'cp-retry-tree');
    await mkdir(join(dir, 'tree'));
    await writeFile(join(dir, 'tree', 'b.bin'), B);
    const target = join(local(), 'new');
    const run = startCli(['cp', '-r', '-O', ...sshFlags(sshd, sshd.user), ...SLOW, remote(sshd, sshd.user, `${dir}/tree`), target], { timeoutMs: 120_000 });
    await waitFor(async () => (await sizeOf(target, /^\.b\.bin\.scpipe-|^\.scpipe-/).catch(() => 0)) >= 4 * MiB, 'b.bin on its way', 60_000);
    expect(await dropConnections(sshd)).toBeGreaterThan(0);
    const r = await run.done;
    expect(retryLines(r.stderr)).toHaveLength(1);
    expect(r.status).toBe(0);
    expect(await readdir(target)).toEqual(['b.bin']);
    expect((await readFile(join(target, 'b.bin'))).equals(B)).toBe(true);
  }, 150_000);

  // On NFS with root_squash (all_squash: for anyone) the directory the first
  // attempt made shows another owner (nobody); in a sticky directory anyone
  // can write to, the retry refused it as another user's (planted.ts).
  it('down over SCP into a sticky directory: the retry fills the directory it made, whatever owner it shows', async () => {
    const dir = await userDir(sshd.user, 'cp-retry-squash');
    await mkdir(join(dir, 'tree'));
    await writeFile(join(dir, 'tree', 'b.bin'), B);
    const shared = local();
    await chmod(shared, 0o1777);
    const made = join(shared, 'tree');
    const run = startCli(['cp', '-r', '-O', ...sshFlags(sshd, sshd.user), ...SLOW, remote(sshd, sshd.user, `${dir}/tree`), `${shared}/`], { timeoutMs: 120_000 });
    await waitFor(async () => (await sizeOf(made, /^\.b\.bin\.scpipe-/).catch(() => 0)) >= 4 * MiB, 'b.bin on its way', 60_000);
    await chown(made, 65534, 65534); // as the server's squash shows it
    expect(await dropConnections(sshd)).toBeGreaterThan(0);
    const r = await run.done;
    expect(retryLines(r.stderr)).toHaveLength(1);
    expect(r.status).toBe(0);
    expect(await readdir(made)).toEqual(['b.bin']);
    expect((await readFile(join(made, 'b.bin'))).equals(B)).toBe(true);
  }, 150_000);
});

// User sees: exit 1 with the lost connection, no retry line. Left remotely:
// a.bin whole, b.bin cut short (SCP writes in place).
it('cp --retries 0: a dropped connection fails the copy', async () => {
  const sources = await localSources();
  const dir = await userDir(sshd.rssh, 'cp-retry-none');
  const run = startCli(['cp', ...sshFlags(sshd, sshd.rssh), ...SLOW, '--retries', '0', ...sources, remote(sshd, sshd.rssh, `${dir}/`)], { timeoutMs: 120_000 });
  await waitFor(async () => (await sizeOf(dir, /^b\.bin$/)) >= 4 * MiB, 'b.bin on its way', 60_000);
  expect(await dropConnections(sshd)).toBeGreaterThan(0);
  const r = await run.done;
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/^scpipe: .*connection lost/m);
  expect(r.stderr).toContain(`; the remote file ${dir}/b.bin is left cut short: at most `);
  expect(retryLines(r.stderr)).toEqual([]);
  expect((await readFile(join(dir, 'a.bin'))).equals(A)).toBe(true);
  expect((await stat(join(dir, 'b.bin'))).size).toBeLessThan(B.length);
}, 150_000);

describe('cp over SFTP: a run that ends while the connection is lost names what it left', () => {
  // The temporary file of the file cut short could not be removed: no session.
  async function start(extra: string[]): Promise<{ run: CliRun; dir: string; rdir: string }> {
    const sources = await localSources();
    const dir = await userDir(sshd.sftp, 'cp-retry-left');
    const rdir = remotePath(sshd.sftp, dir);
    const run = startCli(['cp', ...sshFlags(sshd, sshd.sftp), ...SLOW, ...extra, ...sources, remote(sshd, sshd.sftp, `${rdir}/`)], { timeoutMs: 120_000 });
    await waitFor(async () => (await sizeOf(dir, /^\.b\.bin\.scpipe-/)) >= 4 * MiB, 'b.bin on its way', 60_000);
    expect(await dropConnections(sshd)).toBeGreaterThan(0);
    return { run, dir, rdir };
  }

  // User sees: exit 1, the loss, then "; the partial upload is left in
  // DIR/.b.bin.scpipe-XXXXXX". Left remotely: a.bin whole, and that file.
  it('--retries 0', async () => {
    const { run, dir, rdir } = await start(['--retries', '0']);
    const r = await run.done;
    expect(r.status).toBe(1);
    const [temp] = (await readdir(dir)).filter((f) => f.startsWith('.b.bin.scpipe-'));
    expect(r.stderr).toMatch(new RegExp(`(the SFTP session ended|the server ended the SFTP session).*; the partial upload is left in ${rdir}/${temp!.replace(/\./g, '\\.')}\\n$`));
    expect((await readdir(dir)).sort()).toEqual([temp, 'a.bin']);
    expect((await readFile(join(dir, 'a.bin'))).equals(A)).toBe(true);
  }, 150_000);

  // User sees: the retry line, then exit 130, "interrupted by SIGINT; the
  // partial upload is left in …". Left remotely: a.bin whole, and that file.
  it('SIGINT while waiting to retry', async () => {
    const { run, dir, rdir } = await start([]);
    await waitFor(() => retryLines(run.stderr()).length === 1, 'the retry line', 30_000);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.status).toBe(130);
    const [temp] = (await readdir(dir)).filter((f) => f.startsWith('.b.bin.scpipe-'));
    expect(r.stderr).toMatch(new RegExp(`\\nscpipe: interrupted by SIGINT; the partial upload is left in ${rdir}/${temp!.replace(/\./g, '\\.')}\\n$`));
    expect((await readdir(dir)).sort()).toEqual([temp, 'a.bin']);
  }, 150_000);
});
