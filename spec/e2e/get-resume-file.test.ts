// `get --output FILE --resume` of a single remote file, against the real
// sshd: over SFTP the download goes into FILE.scpipe-partial-SIZE-MTIME-PATH,
// which a run killed with SIGKILL leaves; the next run reads on from its
// length while the remote file keeps its size and mtime, and starts over
// (said under -v) when either changed. Over SCP it is refused (exit 2).
// Two runs into one FILE: the second says who holds FILE.scpipe-lock.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { readFile, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { put } from '../../lib';
import { remote, runCli, sshFlags, sshFlagsVia, startCli, type CliRun } from '../helpers/cli';
import { connectOptions, userDir, type TestAccount } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { tempDirPerTest } from '../helpers/temp-dir';
import { startThrottleProxy } from '../helpers/throttle-proxy';
import { waitFor } from '../helpers/async';
import { keptName, storedFile } from '../helpers/resume-file';
import { lockIdentity } from '../helpers/lock-identity';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-resume-file-');
const SIZE = 4 * 1024 * 1024 + 123;
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');



const out = (): string => join(local(), 'out');
const getArgs = (account: TestAccount, path: string, extra: string[] = []): string[] => ['get', '-v', '--resume', '--output', out(), ...sshFlags(sshd, account), ...extra, remote(sshd, account, path)];
const listed = (): string[] => readdirSync(local()).filter((n) => n !== 'known_hosts').sort();

// A run through a slow link, handed to `then` once the kept file holds more than `bytes`; the link is closed after.
async function slowRun<T>(account: TestAccount, path: string, kept: string, bytes: number, then: (run: CliRun) => Promise<T>): Promise<T> {
  const proxy = await startThrottleProxy(sshd.port, 500_000);
  try {
    const flags = sshFlagsVia(sshd, proxy.port, join(local(), 'known_hosts'), account);
    const run = startCli(['get', '--resume', '--output', out(), ...flags, remote(sshd, account, path)], { timeoutMs: 60_000 });
    await waitFor(async () => ((await stat(kept).catch(() => undefined))?.size ?? 0) > bytes, 'bytes kept', 30_000);
    return await then(run);
  } finally {
    await proxy.close();
  }
}

// A slow run killed with SIGKILL once the kept file holds more than `bytes`: what it kept.
async function killedRun(account: TestAccount, path: string, kept: string, bytes: number): Promise<number> {
  await slowRun(account, path, kept, bytes, async (run) => {
    run.child.kill('SIGKILL');
    expect((await run.done).signal).toBe('SIGKILL');
  });
  return (await stat(kept)).size;
}

describe.each([
  ['the normal account', () => sshd.user],
  ['the internal-sftp chroot', () => sshd.sftp],
])('get --output FILE --resume of a single file over SFTP (%s)', (_how, account) => {
  it('after SIGKILL mid-download, the next run reads on from the kept bytes, and FILE is byte-exact', async () => {
    const data = randomBytes(SIZE);
    const { host, path } = await storedFile(account(), 'kill', data);
    const kept = join(local(), keptName(host, path));
    const keptBytes = await killedRun(account(), path, kept, 1024 * 1024);
    expect(listed()).toEqual(['out.scpipe-lock', keptName(host, path)]); // a SIGKILL leaves its lock: the next run takes it over
    expect(keptBytes).toBeLessThan(SIZE);
    expect((await readFile(kept)).equals(data.subarray(0, keptBytes))).toBe(true);

    const r = await runCli(getArgs(account(), path, ['--checksum']), { timeoutMs: 60_000 });
    expect(r.stderr).toContain(`scpipe: resuming ${kept}: `);
    expect(r.stderr).toContain(`kept (read back first, for the whole file's SHA-256); reading on from byte ${keptBytes}\n`);
    expect(r.stderr).toContain(`sftp: reading ${SIZE - keptBytes} bytes from byte ${keptBytes} over`);
    expect(r.stderr).toMatch(/out\.scpipe-lock: the run that held it \(pid \d+ on .*\) is gone: lock taken over/);
    expect(r.stderr).toContain(`${sha(data)}  ${out()}`); // the whole file's sum, the kept bytes included
    expect(r.status).toBe(0);
    expect((await readFile(out())).equals(data)).toBe(true);
    expect(listed()).toEqual(['out']); // the kept file became FILE, the lock went
    expect((await stat(out())).mode & 0o777).toBe(0o644 & ~process.umask()); // not the kept file's 0600
  }, 90_000);

  it('a kept file that holds the whole file (killed before the rename) is renamed with nothing read', async () => {
    const data = randomBytes(SIZE);
    const { host, path } = await storedFile(account(), 'whole', data);
    await writeFile(join(local(), keptName(host, path)), data, { mode: 0o600 });
    const r = await runCli(getArgs(account(), path), { timeoutMs: 60_000 });
    expect(r.stderr).toContain(`reading on from byte ${SIZE}\n`);
    expect(r.status).toBe(0);
    expect((await readFile(out())).equals(data)).toBe(true);
    expect(listed()).toEqual(['out']);
  }, 60_000);

  it('a remote file whose size changed since is fetched from its start, said under -v, and the old kept file removed', async () => {
    const old = randomBytes(SIZE);
    const { host, path } = await storedFile(account(), 'changed', old);
    const before = keptName(host, path);
    await writeFile(join(local(), before), old.subarray(0, 1024 * 1024), { mode: 0o600 });
    const now = randomBytes(SIZE - 1000);
    await writeFile(host, now);
    const r = await runCli(getArgs(account(), path), { timeoutMs: 60_000 });
    expect(r.stderr).toContain(`starting over: removed ${join(local(), before)} (${1024 * 1024} bytes kept): the remote file changed since: size ${SIZE} -> ${SIZE - 1000} bytes`);
    expect(r.stderr).toContain(`sftp: reading ${SIZE - 1000} bytes over`);
    expect(r.stderr).not.toContain('resuming');
    expect(r.status).toBe(0);
    expect((await readFile(out())).equals(now)).toBe(true);
    expect(listed()).toEqual(['out']);
  }, 60_000);

  it('a remote file with the same size but another mtime is fetched from its start too', async () => {
    const data = randomBytes(SIZE);
    const { host, path } = await storedFile(account(), 'touched', data);
    await utimes(host, 1_700_000_000, 1_700_000_000);
    const before = keptName(host, path);
    await writeFile(join(local(), before), Buffer.alloc(2 * 1024 * 1024), { mode: 0o600 }); // bytes that are not the file's
    await utimes(host, 1_700_000_100, 1_700_000_100);
    const r = await runCli(getArgs(account(), path), { timeoutMs: 60_000 });
    expect(r.stderr).toContain('the remote file changed since: modification time 2023-11-14T22:13:20Z -> 2023-11-14T22:15:00Z');
    expect(r.status).toBe(0);
    expect((await readFile(out())).equals(data)).toBe(true);
    expect(listed()).toEqual(['out']);
  }, 60_000);
});

describe('get --output FILE --resume of a single file, stopped by SIGTERM', () => {
  it('keeps what it fetched (exit 143), says where, and leaves no lock', async () => {
    const data = randomBytes(SIZE);
    const { host, path } = await storedFile(sshd.user, 'term', data);
    const kept = join(local(), keptName(host, path));
    const r = await slowRun(sshd.user, path, kept, 512 * 1024, (run) => {
      run.child.kill('SIGTERM');
      return run.done;
    });
    expect(r.stderr).toMatch(new RegExp(`interrupted by SIGTERM; the \\d+ bytes restored so far are kept in ${kept}: the same command again reads on from there`));
    expect(r.status).toBe(143);
    expect(listed()).toEqual([keptName(host, path)]);
    const bytes = await readFile(kept);
    expect(bytes.equals(data.subarray(0, bytes.length))).toBe(true);
  }, 60_000);
});

describe('get --output FILE --resume of a single file over SCP', () => {
  it.each([
    ['an scp-only host', () => sshd.rssh, [] as string[], 'the server offers no SFTP'],
    ['-O', () => sshd.user, ['-O'], 'SCP was asked for'],
  ])('on %s is refused (exit 2), nothing written', async (_how, account, extra, why) => {
    await sshd.setRsshAllowed(['scp']);
    const { path } = await storedFile(account(), 'scp', randomBytes(1000));
    const r = await runCli(getArgs(account(), path, extra), { timeoutMs: 60_000 });
    expect(r.stderr).toContain(`scpipe: --resume: ${path} is a single file and ${why}`);
    expect(r.stderr).toContain('which sends a file only from its first byte: it cannot be resumed; fetch it whole without --resume');
    expect(r.status).toBe(2);
    expect(listed()).toEqual([]);
  }, 60_000);
});

describe('get --output FIFO --resume', () => {
  // A FIFO is written from its first byte: refused before the login, not after the kept file was made.
  it('is refused before connecting (exit 2), the FIFO left as it was', async () => {
    const { path } = await storedFile(sshd.sftp, 'fifo', randomBytes(1000));
    execFileSync('mkfifo', [out()]);
    const r = await runCli(getArgs(sshd.sftp, path), { timeoutMs: 60_000 });
    expect(r.stderr).toContain(`scpipe: --resume keeps a restore in a file beside --output, and ${out()} is not a regular file (a device or FIFO is written from its first byte): give a file, or leave out --resume\n`);
    expect(r.stderr).not.toContain('connecting');
    expect(r.status).toBe(2);
    expect(listed()).toEqual(['out']);
    expect(statSync(out()).isFIFO()).toBe(true);
  }, 60_000);
});

describe('get --output FILE --resume --expect-sha256 of a single file', () => {
  it('kept bytes that are not the file\'s are found by the whole-file sum: exit 1, FILE not made, the kept file left', async () => {
    const data = randomBytes(SIZE);
    const { host, path } = await storedFile(sshd.user, 'bad-kept', data);
    const kept = join(local(), keptName(host, path));
    await writeFile(kept, Buffer.alloc(1024 * 1024), { mode: 0o600 }); // zeros where a reboot lost the writes
    const r = await runCli(getArgs(sshd.user, path, ['--expect-sha256', sha(data)]), { timeoutMs: 60_000 });
    expect(r.stderr).toContain(`reading on from byte ${1024 * 1024}`);
    expect(r.stderr).toContain(`is not what was expected: its SHA-256 is ${sha(Buffer.concat([Buffer.alloc(1024 * 1024), data.subarray(1024 * 1024)]))}, not ${sha(data)}`);
    // Whole now: a run told to go on from it would read nothing and fail the same way.
    expect(r.stderr).toContain(`; ${kept} is kept, whole (${SIZE} bytes), but is not the file expected: its first ${1024 * 1024} bytes came from an earlier run and may be the ones that differ; another run with --resume would only read it back to the same sum: remove it to fetch the file whole again\n`);
    expect(r.stderr).not.toContain('reads on from there');
    expect(r.status).toBe(1);
    expect(listed()).toEqual([keptName(host, path)]);
    // Removed as told, the next run fetches the file whole.
    await unlink(kept);
    const again = await runCli(getArgs(sshd.user, path, ['--expect-sha256', sha(data)]), { timeoutMs: 60_000 });
    expect(again.status).toBe(0);
    expect((await readFile(out())).equals(data)).toBe(true);
  }, 60_000);

  it('a file fetched whole in one run that is not the one expected says so, not to read on', async () => {
    const data = randomBytes(SIZE);
    const { host, path } = await storedFile(sshd.user, 'other-file', data);
    const r = await runCli(getArgs(sshd.user, path, ['--expect-sha256', sha(Buffer.from('another'))]), { timeoutMs: 60_000 });
    expect(r.stderr).toContain(`; ${join(local(), keptName(host, path))} is kept, whole (${SIZE} bytes), but is not the file expected: the remote file's bytes, all read in this run; another run with --resume would only read it back to the same sum: remove it to fetch the file whole again\n`);
    expect(r.status).toBe(1);
    expect(listed()).toEqual([keptName(host, path)]);
  }, 60_000);
});

describe('two get --resume runs into one FILE', () => {
  it('the second says who holds the lock and exits 1; the first, killed, leaves a lock the next run takes over', async () => {
    const data = randomBytes(SIZE);
    const { host, path } = await storedFile(sshd.user, 'lock', data);
    const kept = join(local(), keptName(host, path));
    await slowRun(sshd.user, path, kept, 0, async (first) => {
      const second = await runCli(getArgs(sshd.user, path), { timeoutMs: 60_000 });
      expect(second.stderr).toContain(`scpipe: ${out()} is being restored by another scpipe get --resume (pid ${first.child.pid} on ${hostname()}, since `);
      expect(second.stderr).toContain(`which holds ${out()}.scpipe-lock: wait for it to end, or stop it`);
      expect(second.status).toBe(1);
      first.child.kill('SIGKILL');
      await first.done;
    });
    const keptBytes = (await stat(kept)).size;
    const third = await runCli(getArgs(sshd.user, path), { timeoutMs: 60_000 });
    expect(third.stderr).toContain(`reading on from byte ${keptBytes}`);
    expect(third.status).toBe(0);
    expect((await readFile(out())).equals(data)).toBe(true);
    expect(listed()).toEqual(['out']);
  }, 90_000);

  it('a parts set is locked too: a live holder stops the run before a kept file is made', async () => {
    const dir = await userDir(sshd.rssh, 'lock-set');
    await put(connectOptions(sshd, sshd.rssh), `${dir}/a.bin`, Readable.from([randomBytes(300_000)]), { partSize: 100_000 });
    const lock = `${process.pid} - 2026-12-06T10:00:00.000Z ${hostname()} ${lockIdentity}\n`; // this test process: alive
    await writeFile(join(local(), 'out.scpipe-lock'), lock);
    const r = await runCli(getArgs(sshd.rssh, `${dir}/a.bin`), { timeoutMs: 60_000 });
    expect(r.stderr).toContain(`is being restored by another scpipe get --resume (pid ${process.pid} on ${hostname()}, since 2026-12-06T10:00:00.000Z)`);
    expect(r.status).toBe(1);
    expect(listed()).toEqual(['out.scpipe-lock']);
    expect(await readFile(join(local(), 'out.scpipe-lock'), 'utf8')).toBe(lock);
  }, 60_000);
});
