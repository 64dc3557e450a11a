// A signal during an upload over SFTP on a slow link ends scpipe within a
// couple of seconds and leaves no temporary file, though megabytes of write
// requests are still queued behind the link (a 150 KB/s relay in front of
// the real sshd): put, parts and cp. The bound is the design's (1 s for the
// connection, then up to 5 s to remove the file over a new one), well under
// the 10 s it took before; a loaded machine took ~3 s of it.
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile, chown } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { endlessInput, remote, sshFlagsVia, startCli } from '../helpers/cli';
import { waitFor } from '../helpers/async';
import { userDir, remotePath } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { startThrottleProxy, type ThrottleProxy } from '../helpers/throttle-proxy';

const sshd = sshdPerSuite();
let proxy: ThrottleProxy;
let local: string;

beforeAll(async () => {
  proxy = await startThrottleProxy(sshd.port, 150_000);
  local = await mkdtemp(join(tmpdir(), 'scpipe-abort-slow-'));
});
afterAll(async () => {
  await proxy?.close();
  await rm(local, { recursive: true, force: true });
});

const flags = (): string[] => [
  ...sshFlagsVia(sshd, proxy.port, join(local, 'known_hosts'), sshd.sftp),
  '--retries', '0',
];
const isTemp = (name: string): boolean => name.includes('.scpipe-');

// A directory of the sftp-only account holding keep.bin ("old"), and its remote path.
async function target(name: string): Promise<{ dir: string; rdir: string }> {
  const dir = await userDir(sshd.sftp, name);
  await writeFile(join(dir, 'keep.bin'), 'old');
  await chown(join(dir, 'keep.bin'), sshd.sftp.uid, sshd.sftp.gid);
  return { dir, rdir: remotePath(sshd.sftp, dir) };
}

// Runs `args`, sends `signal` once a temporary file in `dir` holds data; the run and how long it took to end after the signal.
async function interrupt(args: string[], dir: string, signal: NodeJS.Signals, stdin?: Readable) {
  const run = startCli(args, { stdin, timeoutMs: 120_000 });
  const temps = async (): Promise<string[]> => (await readdir(dir).catch(() => [])).filter(isTemp);
  await waitFor(async () => {
    for (const t of await temps()) if (((await stat(join(dir, t)).catch(() => undefined))?.size ?? 0) > 300_000) return true;
    return false;
  }, 'data in a temporary file', 30_000);
  const sent = Date.now();
  run.child.kill(signal);
  const r = await run.done;
  return { ...r, ms: Date.now() - sent };
}

describe.each([
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const)('%s on a 150 KB/s link over SFTP', (signal, status) => {
  it(`put: exit ${status} within 6 s, the temporary file removed, the old target intact`, async () => {
    const { dir, rdir } = await target(`abort-slow-put-${signal}`);
    const endless = endlessInput();
    try {
      const r = await interrupt(['put', ...flags(), remote(sshd, sshd.sftp, `${rdir}/keep.bin`)], dir, signal, endless);
      expect(r.stderr).toBe(`scpipe: interrupted by ${signal}\n`);
      expect(r.status).toBe(status);
      expect(r.ms).toBeLessThan(6_000);
      expect(await readdir(dir)).toEqual(['keep.bin']);
      expect(await readFile(join(dir, 'keep.bin'), 'utf8')).toBe('old');
    } finally {
      endless.destroy();
    }
  }, 150_000);

  it(`put --part-size: exit ${status} within 6 s, no part's temporary file left`, async () => {
    const { dir, rdir } = await target(`abort-slow-parts-${signal}`);
    const endless = endlessInput();
    try {
      const r = await interrupt(['put', '--part-size', '4M', '--parallel', '2', ...flags(), remote(sshd, sshd.sftp, `${rdir}/set`)], dir, signal, endless);
      expect(r.stderr).toMatch(new RegExp(`^scpipe: interrupted by ${signal}; the parts set set is incomplete`));
      expect(r.stderr).not.toContain('left in');
      expect(r.status).toBe(status);
      expect(r.ms).toBeLessThan(6_000);
      expect((await readdir(dir)).filter(isTemp)).toEqual([]);
    } finally {
      endless.destroy();
    }
  }, 150_000);

  it(`cp: exit ${status} within 6 s, the temporary file removed, the old target intact`, async () => {
    const { dir, rdir } = await target(`abort-slow-cp-${signal}`);
    const source = join(local, `keep-${signal}.bin`);
    await writeFile(source, Buffer.alloc(32 << 20, 1));
    const r = await interrupt(['cp', ...flags(), source, remote(sshd, sshd.sftp, `${rdir}/keep.bin`)], dir, signal);
    expect(r.stderr).toBe(`scpipe: interrupted by ${signal}\n`);
    expect(r.status).toBe(status);
    expect(r.ms).toBeLessThan(6_000);
    expect(await readdir(dir)).toEqual(['keep.bin']);
    expect(await readFile(join(dir, 'keep.bin'), 'utf8')).toBe('old');
  }, 150_000);
});

it('cp -r of several files: SIGINT ends it within 6 s with exit 130, no temporary file left', async () => {
  const dir = await userDir(sshd.sftp, 'abort-slow-cp-r');
  const tree = join(local, 'tree');
  await mkdir(tree);
  for (const name of ['a', 'b', 'c', 'd']) await writeFile(join(tree, name), Buffer.alloc(8 << 20, 2));
  const r = await interrupt(['cp', '-r', ...flags(), tree, remote(sshd, sshd.sftp, remotePath(sshd.sftp, dir))], join(dir, 'tree'), 'SIGINT');
  expect(r.stderr).toBe('scpipe: interrupted by SIGINT\n');
  expect(r.status).toBe(130);
  expect(r.ms).toBeLessThan(6_000);
  expect((await readdir(join(dir, 'tree'))).filter(isTemp)).toEqual([]);
}, 150_000);

it('put --transport openssh: SIGINT ends it within 6 s with exit 130, the temporary file removed', async () => {
  const { dir, rdir } = await target('abort-slow-openssh');
  const endless = endlessInput();
  try {
    const r = await interrupt(['put', '--transport', 'openssh', ...flags(), remote(sshd, sshd.sftp, `${rdir}/keep.bin`)], dir, 'SIGINT', endless);
    expect(r.stderr).toBe('scpipe: interrupted by SIGINT\n');
    expect(r.status).toBe(130);
    expect(r.ms).toBeLessThan(6_000);
    expect(await readdir(dir)).toEqual(['keep.bin']);
  } finally {
    endless.destroy();
  }
}, 150_000);

it('put: where a new connection cannot remove the temporary file either, exits within the bound and names it', async () => {
  const stalling = await startThrottleProxy(sshd.port, 150_000, { stallAfterFirst: true });
  const { dir, rdir } = await target('abort-slow-stalled');
  const endless = endlessInput();
  try {
    const args = ['put', ...sshFlagsVia(sshd, stalling.port, join(local, 'known_hosts-stalled'), sshd.sftp), '--retries', '0'];
    const r = await interrupt([...args, remote(sshd, sshd.sftp, `${rdir}/keep.bin`)], dir, 'SIGINT', endless);
    const [temp] = (await readdir(dir)).filter(isTemp);
    expect(r.stderr).toBe(`scpipe: interrupted by SIGINT; the partial upload is left in ${rdir}/${temp} (removing it failed: over a new connection: no answer within 5 s)\n`);
    expect(r.status).toBe(130);
    expect(r.ms).toBeLessThan(8_000);
    expect(await readFile(join(dir, 'keep.bin'), 'utf8')).toBe('old');
  } finally {
    endless.destroy();
    await stalling.close();
  }
}, 150_000);
