// `get --output FILE --resume` of a parts set, against the real sshd: the
// restore goes into FILE.scpipe-partial-HEX, which a run killed with SIGKILL
// or failed leaves; the next run checks its whole parts against the manifest
// and fetches only from the first one missing or altered; the file takes
// FILE's name only once whole. The parts fetched are counted by the -v lines
// of the `scp -f` of each (`receiving NAME.00000N`).
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { readFile, rename, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { getTo, put, type ResumeEvent } from '../../lib';
import { remote, runCli, sshFlags, sshFlagsVia, startCli } from '../helpers/cli';
import { connectOptions, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { tempDirPerTest } from '../helpers/temp-dir';
import { startThrottleProxy } from '../helpers/throttle-proxy';
import { waitFor } from '../helpers/async';
import { withTmpfs } from '../helpers/tmpfs';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-parts-resume-');
const PART = 256 * 1024;
const PARTS = 8;

// A set of PARTS parts on the server; its directory and data.
async function storedSet(name: string, data = randomBytes(PARTS * PART - 100)): Promise<{ dir: string; data: Buffer }> {
  const dir = await userDir(sshd.rssh, name);
  await put(connectOptions(sshd, sshd.rssh), `${dir}/a.bin`, Readable.from([data]), { partSize: PART });
  return { dir, data };
}

// The kept file's name for the set's manifest as it is now.
async function keptName(dir: string): Promise<string> {
  return `out.scpipe-partial-${createHash('sha256').update(await readFile(join(dir, 'a.bin.sha256'))).digest('hex').slice(0, 16)}`;
}

// The parts the run fetched, from its -v lines.
function fetched(stderr: string): string[] {
  return [...stderr.matchAll(/receiving (a\.bin\.\d+):/g)].map((m) => m[1]!).sort();
}

const partNames = (from: number): string[] => Array.from({ length: PARTS - from }, (_, i) => `a.bin.00000${from + i}`);
const getArgs = (dir: string, extra: string[] = []): string[] => ['get', '-v', '--resume', '--output', join(local(), 'out'), ...sshFlags(sshd, sshd.rssh), ...extra, remote(sshd, sshd.rssh, `${dir}/a.bin`)];

describe('get --output FILE --resume of a parts set', () => {
  it('after SIGKILL mid-restore, the next run fetches only the parts the kept file lacks, and FILE is byte-exact', async () => {
    const { dir, data } = await storedSet('resume-kill');
    const proxy = await startThrottleProxy(sshd.port, 400_000); // some 5 s for the set
    try {
      const flags = sshFlagsVia(sshd, proxy.port, join(local(), 'known_hosts'), sshd.rssh);
      const run = startCli(['get', '--resume', '--parallel', '1', '--output', join(local(), 'out'), ...flags, remote(sshd, sshd.rssh, `${dir}/a.bin`)], { timeoutMs: 60_000 });
      const kept = join(local(), await keptName(dir));
      await waitFor(async () => ((await stat(kept).catch(() => undefined))?.size ?? 0) > 3 * PART + 1000, 'three parts and more kept', 30_000);
      run.child.kill('SIGKILL');
      expect((await run.done).signal).toBe('SIGKILL');
    } finally {
      await proxy.close();
    }
    expect(readdirSync(local()).filter((n) => n !== 'known_hosts').sort()).toEqual(['out.scpipe-lock', await keptName(dir)]); // no FILE yet; the lock the next run takes over
    const keptBytes = (await stat(join(local(), await keptName(dir)))).size;

    const r = await runCli(getArgs(dir, ['--checksum']), { timeoutMs: 60_000 });
    expect(r.status).toBe(0);
    const whole = Math.floor(keptBytes / PART);
    expect(r.stderr).toContain(`scpipe: resuming ${join(local(), await keptName(dir))}: ${whole} of ${PARTS} part(s)`);
    expect(r.stderr).toContain(`fetching from part a.bin.00000${whole}`);
    expect(fetched(r.stderr)).toEqual(partNames(whole)); // none of the kept ones again
    expect(r.stderr).toContain(`${createHash('sha256').update(data).digest('hex')}  `); // the whole stream's sum, prefix included
    expect((await readFile(join(local(), 'out'))).equals(data)).toBe(true);
    expect(readdirSync(local()).sort()).toEqual(['known_hosts', 'out']); // the kept file became FILE
    expect((await stat(join(local(), 'out'))).mode & 0o777).toBe(0o644 & ~process.umask());
  }, 90_000);

  it('a failed run keeps the checked parts and says where; the next run goes on from there', async () => {
    const { dir, data } = await storedSet('resume-missing');
    await rename(join(dir, 'a.bin.000005'), join(dir, 'aside'));
    const first = await runCli(getArgs(dir, ['--parallel', '1']), { timeoutMs: 60_000 });
    expect(first.status).toBe(1);
    const kept = join(local(), await keptName(dir));
    expect(first.stderr).toContain(`part a.bin.000005`);
    expect(first.stderr).toContain(`; the ${5 * PART} bytes restored so far are kept in ${kept}: the same command again goes on from its last whole part`);
    expect(readdirSync(local())).toEqual([await keptName(dir)]);
    expect((await readFile(kept)).equals(data.subarray(0, 5 * PART))).toBe(true);

    await rename(join(dir, 'aside'), join(dir, 'a.bin.000005'));
    const second = await runCli(getArgs(dir), { timeoutMs: 60_000 });
    expect(second.status).toBe(0);
    expect(fetched(second.stderr)).toEqual(partNames(5));
    expect((await readFile(join(local(), 'out'))).equals(data)).toBe(true);
    expect(readdirSync(local())).toEqual(['out']);
  }, 60_000);

  it('a run that fails before a byte is restored leaves no kept file', async () => {
    const { dir } = await storedSet('resume-none');
    await rename(join(dir, 'a.bin.000000'), join(dir, 'aside'));
    const r = await runCli(getArgs(dir), { timeoutMs: 60_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).not.toContain('kept in');
    expect(readdirSync(local())).toEqual([]);
  }, 60_000);

  it('an altered part in the kept file is found, and it and what follows are fetched again', async () => {
    const { dir, data } = await storedSet('resume-altered');
    const kept = Buffer.from(data.subarray(0, 3 * PART + 500)); // three parts and a piece of the fourth
    kept[PART + 7] ^= 0xff; // a bit flipped in part 1
    await writeFile(join(local(), await keptName(dir)), kept, { mode: 0o600 });
    const r = await runCli(getArgs(dir), { timeoutMs: 60_000 });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('1 of 8 part(s), 256 KiB, match the manifest; part a.bin.000001 there does not match it');
    expect(fetched(r.stderr)).toEqual(partNames(1));
    expect((await readFile(join(local(), 'out'))).equals(data)).toBe(true);
    expect(readdirSync(local())).toEqual(['out']);
  }, 60_000);

  it('a kept file is not counted against the room its file system has left', async () => {
    const { dir, data } = await storedSet('resume-room');
    await withTmpfs('2560k', async (mnt) => {
      await writeFile(join(mnt, await keptName(dir)), data.subarray(0, 6 * PART), { mode: 0o600 });
      const r = await runCli(['get', '--resume', '--output', join(mnt, 'out'), ...sshFlags(sshd, sshd.rssh), remote(sshd, sshd.rssh, `${dir}/a.bin`)], { timeoutMs: 60_000 });
      expect(r.stderr).not.toContain('warning');
      expect(r.status).toBe(0);
      expect((await readFile(join(mnt, 'out'))).equals(data)).toBe(true);
    });
  }, 60_000);

  it('a set stored again under its name since is not resumed: exit 1, the kept file left as it was', async () => {
    const { dir, data } = await storedSet('resume-changed');
    const name = await keptName(dir);
    await writeFile(join(local(), name), data.subarray(0, 2 * PART), { mode: 0o600 });
    await put(connectOptions(sshd, sshd.rssh), `${dir}/a.bin`, Readable.from([randomBytes(data.length)]), { partSize: PART }); // another upload of the same name
    const r = await runCli(getArgs(dir), { timeoutMs: 60_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`scpipe: ${join(local(), name)} is a restore of another a.bin.sha256 than the one on the server now (the set was stored again under its name since), so it is not resumed: remove it to restore this set from its start`);
    expect(fetched(r.stderr)).toEqual([]);
    expect(readdirSync(local())).toEqual([name]);
    expect((await readFile(join(local(), name))).equals(data.subarray(0, 2 * PART))).toBe(true);
  }, 60_000);

  it('SIGTERM mid-restore keeps the file too (exit 143), and says where', async () => {
    const { dir, data } = await storedSet('resume-term');
    const proxy = await startThrottleProxy(sshd.port, 400_000);
    let r;
    try {
      const flags = sshFlagsVia(sshd, proxy.port, join(local(), 'known_hosts'), sshd.rssh);
      const run = startCli(['get', '--resume', '--parallel', '1', '--output', join(local(), 'out'), ...flags, remote(sshd, sshd.rssh, `${dir}/a.bin`)], { timeoutMs: 60_000 });
      const kept = join(local(), await keptName(dir));
      await waitFor(async () => ((await stat(kept).catch(() => undefined))?.size ?? 0) > PART, 'a part kept', 30_000);
      run.child.kill('SIGTERM');
      r = await run.done;
    } finally {
      await proxy.close();
    }
    const kept = join(local(), await keptName(dir));
    expect(r.status).toBe(143);
    expect(r.stderr).toMatch(new RegExp(`interrupted by SIGTERM; the \\d+ bytes restored so far are kept in ${kept}: the same command again goes on`));
    expect(readdirSync(local()).sort()).toEqual(['known_hosts', await keptName(dir)]);
    const bytes = await readFile(kept);
    expect(bytes.equals(data.subarray(0, bytes.length))).toBe(true);
  }, 60_000);

  it('a restore without --resume leaves a kept file alone, and names it once FILE is stored', async () => {
    const { dir, data } = await storedSet('resume-not-asked');
    const kept = join(local(), await keptName(dir));
    await writeFile(kept, data.subarray(0, PART), { mode: 0o600 });
    const old = Date.now() / 1000 - 3600;
    await utimes(kept, old, old);
    const r = await runCli(['get', '--output', join(local(), 'out'), ...sshFlags(sshd, sshd.rssh), remote(sshd, sshd.rssh, `${dir}/a.bin`)], { timeoutMs: 60_000 });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe(`scpipe: warning: ${kept} (256 KiB, last written 60 min ago) is kept by a get --resume of this file that did not finish, and this run did not need it; remove it (rm) unless one is still running\n`);
    expect((await readFile(join(local(), 'out'))).equals(data)).toBe(true);
    expect(readdirSync(local()).sort()).toEqual(['out', await keptName(dir)]);
  }, 60_000);

  it('--resume without --output is a usage error', async () => {
    const r = await runCli(['get', '--resume', ...sshFlags(sshd, sshd.rssh), remote(sshd, sshd.rssh, 'x')]);
    expect(r.stderr).toContain('--resume keeps a restore in a file beside its --output FILE: give one');
    expect(r.status).toBe(2);
  });

  it('library: getTo(…, { resume: true }) tells where it starts, and leaves FILE whole', async () => {
    const { dir, data } = await storedSet('resume-library');
    await writeFile(join(local(), await keptName(dir)), data.subarray(0, 2 * PART + 3), { mode: 0o600 });
    const events: ResumeEvent[] = [];
    await getTo(connectOptions(sshd, sshd.rssh), `${dir}/a.bin`, join(local(), 'out'), { resume: true, onResume: (e) => events.push(e) });
    expect(events.map((e) => [e.phase, e.bytes])).toEqual([['check', BigInt(2 * PART + 3)], ['start', BigInt(2 * PART)]]);
    expect(events[1]).toMatchObject({ part: 2, parts: PARTS, next: 'a.bin.000002', cut: { bytes: 3n, part: 'a.bin.000002', why: 'short' } });
    expect((await readFile(join(local(), 'out'))).equals(data)).toBe(true);
    expect(readdirSync(local())).toEqual(['out']);
  }, 60_000);
});
