// The lock of `get --output FILE --resume`: FILE.scpipe-lock beside FILE,
// made with O_EXCL and holding the owner's pid, host, the process's start
// (Linux: /proc/PID/stat, so a reused pid is not taken for it) and when it
// began (lock-owner.ts). Two runs writing into one kept file would interleave
// their bytes; the second says who holds the lock and stops. Node has no
// flock(2), so a lock whose owner is gone (SIGKILL, a power cut) stays: a run
// that finds its owner provably dead (lock-owner.ts), or the lock empty from before this
// boot (a power cut as it was made), breaks it, under FILE.scpipe-lock.break
// (also O_EXCL), so two runs that find it stale at once do not both take it.
// A breaker lives for a few file calls: one whose run is dead, or older than
// STALE_BREAKER_MS (left by a power cut, empty, or another boot's), goes.
import { dirname } from 'node:path';
import { ScpipeError } from '../errors';
import { lstat, unlink } from '../fs/byte-fs';
import { joinName } from '../fs/join-name';
import { fileSystemOf } from '../fs/local-fs';
import { resolveTarget } from '../fs/target';
import { escapeForTerminal } from '../util/escape';
import { resumeLockName } from './kept-names';
import { removeIfSame } from './remove-if-same';
import { create, describe, emptyBeforeBoot, isDead, myself, ofAnotherBoot, readOwner, unchecked, type LockFileSystem, type Owner } from './lock-owner';

/** How old a breaker must be to be taken for left behind when its run cannot be checked. */
export const STALE_BREAKER_MS = 10 * 60_000;

/** A held lock; release() removes it. */
export interface ResumeLock {
  path: string;
  release(): Promise<void>;
}

/** Takes the lock of a restore into `output`; ERR_LOCKED, naming the holder, while another live run holds it. */
export async function takeResumeLock(output: string, log?: (line: string) => void): Promise<ResumeLock> {
  const target = await resolveTarget(output);
  const path = joinName(dirname(target.path), resumeLockName(target.path)); // fitted to NAME_MAX as the kept file's name is
  const me = await myself();
  const fs = await fileSystemOf(dirname(path));
  let blocker: { words: string; of: Owner } | undefined; // the breaker in the way at the last try, in words, and the stale holder it kept
  for (let tries = 0; ; tries++) {
    if (await create(path, me)) return { path, release: () => releaseIfOurs(path, me) };
    const holder = await readOwner(path);
    if (holder === 'gone' && tries < 5) continue; // released between the two calls
    if (tries < 3 && holder !== 'gone' && (holder === undefined ? await emptyBeforeBoot(path, fs) : await isDead(holder, fs))) {
      // Broken by this run or another at once: either way the next try takes it, or names its new holder.
      const broke = await breakStale(path, holder, fs, log);
      if (broke === true) log?.(`${escapeForTerminal(path)}: ${takenOver(holder, me, fs)}: lock taken over`);
      blocker = typeof broke === 'string' && holder !== undefined ? { words: broke, of: holder } : undefined;
      continue;
    }
    // Only while the lock is still the stale one: a live run may have broken and taken it since.
    if (blocker !== undefined && holder !== undefined && holder !== 'gone' && holder.pid === blocker.of.pid && holder.since === blocker.of.since) {
      const breaker = escapeForTerminal(path + '.break');
      throw new ScpipeError(
        'ERR_LOCKED',
        `${escapeForTerminal(path)} is left by a run that is gone (${describe(holder)}), but ${breaker}, made by a run breaking it (${blocker.words}), is in the way: if no other scpipe get --resume into ${escapeForTerminal(target.path)} is running, remove ${breaker}`,
        { path: path + '.break' },
      );
    }
    const who = holder === undefined || holder === 'gone' ? 'a holder it does not name' : describe(holder) + unchecked(holder, me, fs);
    throw new ScpipeError(
      'ERR_LOCKED',
      `${escapeForTerminal(target.path)} is being restored by another scpipe get --resume (${who}), which holds ${escapeForTerminal(path)}: wait for it to end, or stop it; remove the lock only if that run is gone`,
      { path },
    );
  }
}

// Why a stale lock of `holder` (undefined: an empty one) is taken over, in words.
function takenOver(holder: Owner | undefined, me: Owner, fs: LockFileSystem): string {
  if (holder === undefined) return `empty, made before this machine last started (a power cut as its run began), on ${fs.name}, which no other machine writes`;
  const gone = ofAnotherBoot(holder, me) ? `ran before this machine last started (another boot, on ${fs.name}, which no other machine writes)` : 'is gone';
  return `the run that held it (${describe(holder)}) ${gone}`;
}

// Removes the stale lock of `holder` (undefined: empty from before this boot) unless another run is breaking it or
// broke it first: true when this run removed it, false to try again, or the words for a breaker that is in the way and not (yet) stale.
async function breakStale(path: string, holder: Owner | undefined, fs: LockFileSystem, log?: (line: string) => void): Promise<boolean | string> {
  const breaker = path + '.break';
  if (!(await create(breaker, await myself()))) return clearStaleBreaker(breaker, fs, log);
  try {
    const seen = await lstat(path).catch(() => undefined);
    const now = await readOwner(path);
    // Gone: broken by another run, which may take it between our read and an unlink; else taken by a live run meanwhile.
    const same = holder === undefined ? now === undefined && (await emptyBeforeBoot(path, fs)) : now !== 'gone' && now !== undefined && now.pid === holder.pid && now.since === holder.since;
    // Removed only while still the file read: a run that took a stale breaker over may be breaking it too.
    return same && seen !== undefined && (await removeIfSame(path, seen));
  } finally {
    await unlink(breaker).catch(() => undefined);
  }
}

// Another run's breaker: removed when its run is dead or it is older than any break takes, so that the next try
// breaks again; else the words for it. Only while it is the one judged stale (another run may have removed that
// and made its own meanwhile).
async function clearStaleBreaker(breaker: string, fs: LockFileSystem, log?: (line: string) => void): Promise<false | string> {
  const seen = await lstat(breaker).catch(() => undefined);
  const other = await readOwner(breaker);
  if (seen === undefined || other === 'gone') return false;
  const age = Date.now() - seen.mtimeMs;
  const named = other === undefined ? 'it names no run' : describe(other);
  if (!(await isDead(other, fs)) && age < STALE_BREAKER_MS) return `${named}, ${Math.max(0, Math.round(age / 1000))} s ago`;
  if (await removeIfSame(breaker, seen)) log?.(`${escapeForTerminal(breaker)}: left by a run breaking the lock (${named}) that is gone or stopped ${Math.round(age / 1000)} s ago: removed`);
  return false;
}

// The lock goes only while it is still this run's (a user may have removed it, and another run taken it).
async function releaseIfOurs(path: string, me: Owner): Promise<void> {
  const now = await readOwner(path);
  if (now !== 'gone' && now !== undefined && now.pid === me.pid && now.since === me.since) await unlink(path).catch(() => undefined);
}
