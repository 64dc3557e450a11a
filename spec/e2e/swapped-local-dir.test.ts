// `cp -r` into a shared group directory without the sticky bit (2775): every
// member may rename what is in it. One swaps a directory the copy is filling
// for a symbolic link to somewhere of ours (a stand-in for ~/.ssh) while the
// copy goes on. The sink works from the directory it opened, so the rest of
// the tree lands in the directory it made (now under its new name), never
// where the link leads; by name, the files after the swap went there. The
// target directory itself, swapped after cp looked at it, is refused; and
// get --output renames its file in the directory it created it in.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../helpers/async';
import { remote, runCli, sshFlags, sshFlagsVia } from '../helpers/cli';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { startTcpRelay } from '../helpers/tcp-relay';
import { startThrottleProxy, type ThrottleProxy } from '../helpers/throttle-proxy';

const sshd = sshdPerSuite();
const OTHER = 'scpipe-user'; // the colleague, in the shared directory's group
const other = { uid: Number(execFileSync('id', ['-u', OTHER]).toString()), gid: Number(execFileSync('id', ['-g', OTHER]).toString()) };
const FILES = ['f1', 'f2', 'f3'];
const BODY = randomBytes(128 * 1024);

let proxy: ThrottleProxy;
let local: string;
let tree: string;

beforeAll(async () => {
  await sshd.setRsshAllowed(['scp', 'sftp']);
  // Slow enough that each file takes about half a second: the swap comes between files.
  proxy = await startThrottleProxy(sshd.port, 256 * 1024);
  local = await mkdtemp(join(tmpdir(), 'scpipe-test-swapped-'));
  await chmod(local, 0o711); // the colleague reaches the shared directory inside
  tree = join(await userDir(sshd.rssh, 'swapped'), 'tree');
  await mkdir(tree, { recursive: true });
  for (const f of FILES) await writeFile(join(tree, f), BODY);
});
afterAll(async () => {
  await proxy?.close();
  await rm(local, { recursive: true, force: true });
});

// As the colleague: the copy's directory moved aside, a link to `to` in its place.
function swapForLink(dir: string, to: string): void {
  execFileSync('sh', ['-c', 'mv -- "$1" "$1.moved" && ln -s -- "$2" "$1"', 'sh', dir, to], { ...other });
}

async function sharedDirs(name: string): Promise<{ shared: string; outside: string }> {
  const shared = join(local, `shared-${name}`);
  const outside = join(local, `outside-${name}`); // ours, not the colleague's to write
  await mkdir(shared);
  await mkdir(outside);
  await chown(shared, 0, other.gid);
  await chmod(shared, 0o2775);
  return { shared, outside };
}

it.each(['scp', 'sftp'])('cp -r over %s: a directory swapped for a link mid-copy is filled where it was made', async (protocol) => {
  const { shared, outside } = await sharedDirs(protocol);
  const flags = sshFlagsVia(sshd, proxy.port, join(local, `kh-${protocol}`), sshd.rssh);
  const copy = runCli(['cp', ...flags, '-q', '--protocol', protocol, '-r', remote(sshd, sshd.rssh, tree), `${shared}/`], { timeoutMs: 30_000 });
  const made = join(shared, 'tree');
  const stored = async (): Promise<number> => (await readdir(made).catch(() => [])).filter((n) => FILES.includes(n)).length;
  await waitFor(async () => (await stored()) >= 1, 'the first file stored', 20_000);
  swapForLink(made, outside);
  const r = await copy;
  expect(await readdir(outside)).toEqual([]);
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
  expect((await readdir(`${made}.moved`)).sort()).toEqual(FILES);
  for (const f of FILES) expect((await readFile(join(`${made}.moved`, f))).equals(BODY)).toBe(true);
});

it.each(['scp', 'sftp'])('cp -r over %s: a target directory swapped for a link before the first entry is refused', async (protocol) => {
  const { shared, outside } = await sharedDirs(`target-${protocol}`);
  const dest = join(shared, 'dest');
  await mkdir(dest);
  await mkdir(join(outside, 'tree')); // as ~/.ssh would be there
  // The SSH connection waits until the swap is done: cp has looked at its target by then.
  let connected = false;
  let release = (): void => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  const relay = await startTcpRelay(sshd.port, (client, upstream) => {
    connected = true;
    void released.then(() => (client.pipe(upstream), upstream.pipe(client)));
  });
  try {
    const flags = sshFlagsVia(sshd, relay.port, join(local, `kh-t-${protocol}`), sshd.rssh);
    const copy = runCli(['cp', ...flags, '-q', '--protocol', protocol, '-r', remote(sshd, sshd.rssh, tree), dest], { timeoutMs: 30_000 });
    await waitFor(() => connected, 'the connection', 20_000);
    swapForLink(dest, outside);
    release();
    const r = await copy;
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${dest}: not written into: another directory took its place since the copy began`);
    expect(await readdir(join(outside, 'tree'))).toEqual([]);
    expect(await readdir(`${dest}.moved`)).toEqual([]);
  } finally {
    release();
    await relay.close();
  }
});

it('get --output: the directory swapped for a link mid-download keeps the file', async () => {
  const { shared, outside } = await sharedDirs('get');
  const sub = join(shared, 'sub');
  await mkdir(sub);
  const flags = sshFlagsVia(sshd, proxy.port, join(local, 'kh-get'), sshd.rssh);
  const get = runCli(['get', ...flags, '-q', '--output', join(sub, 'out.img'), remote(sshd, sshd.rssh, join(tree, 'f1'))], { timeoutMs: 30_000 });
  await waitFor(async () => (await readdir(sub)).length > 0, 'the temporary file', 20_000);
  swapForLink(sub, outside);
  const r = await get;
  expect(await readdir(outside)).toEqual([]);
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
  expect((await readFile(join(`${sub}.moved`, 'out.img'))).equals(BODY)).toBe(true);
});

// Without /proc (a chroot, a container without it) names are used as scp uses them, and -v says so.
it('cp -r -v without /proc: copies by name and says so', async () => {
  const into = join(local, 'no-proc');
  await mkdir(into);
  const noProc = ['unshare', '-m', 'sh', '-c', 'mount -t tmpfs none /proc && exec "$@"', 'sh'];
  const r = await runCli(['cp', ...sshFlags(sshd, sshd.rssh), '-v', '-O', '-r', remote(sshd, sshd.rssh, tree), into], { wrapper: noProc, timeoutMs: 30_000 });
  expect(r.status).toBe(0);
  expect(r.stderr).toContain('local: no /proc/self/fd: directories are written into by name, as scp does (one swapped for a link is followed)\n');
  for (const f of FILES) expect((await readFile(join(into, 'tree', f))).equals(BODY)).toBe(true);
});
