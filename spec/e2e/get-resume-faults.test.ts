// `get --output FILE --resume` of a single file over SFTP, ended as users
// meet it: the sshd serving the download killed mid-way (with and without
// retries), SIGINT to scpipe, and a local disk that fills. Each test says
// what the run said, its exit status, what it left beside FILE, and that
// the next run reads on and ends byte-exact (its SHA-256 the file's), or
// starts over where the remote file was stored again meanwhile.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { remote, runCli, sshFlags, sshFlagsVia, startCli, type CliResult } from '../helpers/cli';
import { dropConnections } from '../helpers/drop-connections';
import { type TestAccount } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { tempDirPerTest } from '../helpers/temp-dir';
import { startThrottleProxy } from '../helpers/throttle-proxy';
import { withTmpfs } from '../helpers/tmpfs';
import { waitFor } from '../helpers/async';
import { keptName, storedFile } from '../helpers/resume-file';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-resume-faults-');
const MiB = 1024 * 1024;
const SIZE = 6 * MiB + 321;
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');



const listed = (dir: string): string[] => readdirSync(dir).filter((n) => n !== 'known_hosts').sort();
const keptSize = async (kept: string): Promise<number> => (await stat(kept).catch(() => undefined))?.size ?? 0;

// A run through a slow link into `out`, and what `act` does to it once the kept file holds more than `bytes`.
async function interrupted(account: TestAccount, path: string, out: string, kept: string, bytes: number, act: (run: ReturnType<typeof startCli>) => Promise<void> | void, extra: string[] = []): Promise<CliResult> {
  const proxy = await startThrottleProxy(sshd.port, 1_000_000);
  try {
    const flags = sshFlagsVia(sshd, proxy.port, join(local(), 'known_hosts'), account);
    const run = startCli(['get', '--resume', '--output', out, ...flags, ...extra, remote(sshd, account, path)], { timeoutMs: 60_000 });
    await waitFor(async () => (await keptSize(kept)) > bytes, 'bytes kept', 30_000);
    await act(run);
    return await run.done;
  } finally {
    await proxy.close();
  }
}

// The next run, straight to sshd: it reads on from the kept bytes and ends with FILE byte-exact.
async function resumedRun(account: TestAccount, path: string, out: string, keptBytes: number, data: Buffer): Promise<CliResult> {
  const r = await runCli(['get', '-v', '--resume', '--checksum', '--output', out, ...sshFlags(sshd, account), remote(sshd, account, path)], { timeoutMs: 60_000 });
  expect(r.stderr).toContain(`reading on from byte ${keptBytes}\n`);
  expect(r.stderr).toContain(`sftp: reading ${SIZE - keptBytes} bytes from byte ${keptBytes} over`);
  expect(r.stderr).toContain(`${sha(data)}  ${out}`);
  expect(r.status).toBe(0);
  expect(sha(await readFile(out))).toBe(sha(data));
  return r;
}

describe('get --output FILE --resume: the sshd serving it killed mid-download', () => {
  // User sees: the lost connection and where the bytes are kept, exit 1.
  // Left: the kept file (a prefix of the remote file), no lock; the remote file untouched.
  it('--retries 0: exit 1, the bytes kept and named; the next run reads on from them, byte-exact', async () => {
    const data = randomBytes(SIZE);
    const { host, path } = await storedFile(sshd.sftp, 'drop0', data);
    const out = join(local(), 'out');
    const kept = join(local(), keptName(host, path));
    const r = await interrupted(sshd.sftp, path, out, kept, MiB, async () => void expect(await dropConnections(sshd)).toBeGreaterThan(0), ['--retries', '0']);
    const keptBytes = await keptSize(kept);
    expect(r.stderr).toMatch(/^scpipe: .*a\.bin: read: (the SFTP session ended|the server ended the SFTP session)/m);
    expect(r.stderr).toContain(`; the ${keptBytes} bytes restored so far are kept in ${kept}: the same command again reads on from there`);
    expect(r.status).toBe(1);
    expect(listed(local())).toEqual([keptName(host, path)]); // no lock: the run ended by itself
    expect((await readFile(kept)).equals(data.subarray(0, keptBytes))).toBe(true);
    expect(keptBytes).toBeLessThan(SIZE);

    await resumedRun(sshd.sftp, path, out, keptBytes, data);
    expect(listed(local())).toEqual(['out']);
    expect((await readFile(host)).equals(data)).toBe(true);
  }, 60_000);

  // User sees: one retry line, exit 0. Left: FILE only, byte-exact.
  it('with retries: the same run reconnects and reads on, byte-exact, and leaves neither kept file nor lock', async () => {
    const data = randomBytes(SIZE);
    const { host, path } = await storedFile(sshd.sftp, 'drop', data);
    const out = join(local(), 'out');
    const kept = join(local(), keptName(host, path));
    const r = await interrupted(sshd.sftp, path, out, kept, MiB, async () => void expect(await dropConnections(sshd)).toBeGreaterThan(0), ['--checksum']);
    expect(r.stderr.split('\n').filter((l) => /; retry 1 of \d+ in \d+ s$/.test(l))).toHaveLength(1);
    expect(r.stderr).toContain(`${sha(data)}  ${out}`);
    expect(r.status).toBe(0);
    expect(sha(await readFile(out))).toBe(sha(data));
    expect(listed(local())).toEqual(['out']);
  }, 60_000);
});

describe('get --output FILE --resume: stopped by SIGINT (Ctrl-C)', () => {
  // User sees: "interrupted by SIGINT" and where the bytes are kept, exit 130.
  // Left: the kept file, no lock; the next run reads on, byte-exact.
  it('exit 130, the bytes kept and no lock; the next run reads on from them', async () => {
    const data = randomBytes(SIZE);
    const { host, path } = await storedFile(sshd.user, 'int', data);
    const out = join(local(), 'out');
    const kept = join(local(), keptName(host, path));
    const r = await interrupted(sshd.user, path, out, kept, MiB, (run) => void run.child.kill('SIGINT'));
    const keptBytes = await keptSize(kept);
    expect(r.stderr).toContain(`interrupted by SIGINT; the ${keptBytes} bytes restored so far are kept in ${kept}: the same command again reads on from there`);
    expect(r.status).toBe(130);
    expect(listed(local())).toEqual([keptName(host, path)]);
    expect((await readFile(kept)).equals(data.subarray(0, keptBytes))).toBe(true);

    await resumedRun(sshd.user, path, out, keptBytes, data);
    expect(listed(local())).toEqual(['out']);
  }, 60_000);
});

describe('get --output FILE --resume: the local disk fills', () => {
  // User sees: No space left on device, and where the bytes are kept, exit 1.
  // Left: the kept file, as long as the disk let it be, a prefix of the file; no lock.
  it('exit 1 saying so, what fitted kept; with room made, the next run reads on from it, byte-exact', async () => {
    const data = randomBytes(SIZE);
    const { host, path } = await storedFile(sshd.sftp, 'full', data);
    await withTmpfs('3m', async (dir) => {
      const out = join(dir, 'out');
      const name = keptName(host, path);
      await writeFile(join(dir, name), data.subarray(0, MiB), { mode: 0o600 }); // an earlier run's
      const r = await runCli(['get', '--resume', '--output', out, ...sshFlags(sshd, sshd.sftp), remote(sshd, sshd.sftp, path)], { timeoutMs: 60_000 });
      const keptBytes = await keptSize(join(dir, name));
      expect(r.stderr).toContain('No space left on device');
      expect(r.stderr).toContain(`; the ${keptBytes} bytes restored so far are kept in ${join(dir, name)}: its file system is full: make room there first, then the same command again reads on from there`);
      expect(r.status).toBe(1);
      expect(listed(dir)).toEqual([name]);
      expect(keptBytes).toBeGreaterThan(MiB);
      expect((await readFile(join(dir, name))).equals(data.subarray(0, keptBytes))).toBe(true);

      execFileSync('mount', ['-o', 'remount,size=16m', dir]);
      await resumedRun(sshd.sftp, path, out, keptBytes, data);
      expect(listed(dir)).toEqual(['out']);
    });
  }, 60_000);
});

describe('get --output FILE --resume: the remote file stored again between the runs', () => {
  // User sees (-v): the kept file of the old version removed, the lock of the killed run taken over; exit 0.
  // Left: FILE holding the new file only; no kept file, no lock.
  it('after a SIGKILL, the next run starts over and FILE is the new file', async () => {
    const old = randomBytes(SIZE);
    const { host, path } = await storedFile(sshd.user, 'again', old);
    const out = join(local(), 'out');
    const before = keptName(host, path);
    const r1 = await interrupted(sshd.user, path, out, join(local(), before), MiB, (run) => void run.child.kill('SIGKILL'));
    expect(r1.signal).toBe('SIGKILL');
    expect(listed(local())).toEqual(['out.scpipe-lock', before]);
    const keptBytes = await keptSize(join(local(), before));

    const now = randomBytes(SIZE + 4096);
    await writeFile(host, now);
    const r = await runCli(['get', '-v', '--resume', '--checksum', '--output', out, ...sshFlags(sshd, sshd.user), remote(sshd, sshd.user, path)], { timeoutMs: 60_000 });
    expect(r.stderr).toMatch(/out\.scpipe-lock: the run that held it \(pid \d+ on .*\) is gone: lock taken over/);
    expect(r.stderr).toContain(`starting over: removed ${join(local(), before)} (${keptBytes} bytes kept): the remote file changed since: size ${SIZE} -> ${SIZE + 4096} bytes`);
    expect(r.stderr).toContain(`sftp: reading ${SIZE + 4096} bytes over`);
    expect(r.stderr).toContain(`${sha(now)}  ${out}`);
    expect(r.status).toBe(0);
    expect(sha(await readFile(out))).toBe(sha(now));
    expect(listed(local())).toEqual(['out']);
  }, 60_000);
});
