// Temporary files a killed upload left (`.NAME.scpipe-XXXXXX`: a SIGKILL,
// a power cut or a lost connection with the retries spent leave one; every
// other failure removes its own). scpipe never removes them unasked: one may
// belong to an upload of the same name still running elsewhere. Asked
// (`put --remove-stale`), an SFTP upload removes, before it writes, the
// regular files in the target's directory named as temporary files of this
// very target and not written to for STALE_AFTER_S, and says each one it
// removed or kept. Unasked, a single-file upload looks for them while it
// sends and names those past STALE_AFTER_S once it is done, so a killed
// 1 TB upload does not hold its space unseen. Ages are read on the server's clock (this run's own new
// temporary file's mtime), so a skewed local clock cannot shorten them.
import { posix } from 'node:path';
import { isScpipeError } from '../errors';
import { listDirectory } from '../sftp/listing';
import type { SftpSession } from '../sftp/session';
import { isUploadTempBase } from '../fs/store-new';
import { TEMP_MARK, legacyTempStem, tempStem } from './sftp-paths';

/** A leftover written to more recently than this (seconds) may be a running upload's, and is kept. */
export const STALE_AFTER_S = 120;

/**
 * How long a stored upload still waits for its unasked look for leftovers:
 * a drop directory of 200,000 files takes 2,000 round trips to list, and a
 * small upload there waited for all of them (48 s at 20 ms) to end.
 */
export const STALE_LOOK_GRACE_MS = 1000;

/** What --remove-stale did: the paths removed, and those kept as possibly live (age in seconds). */
export interface StaleSweep {
  removed: string[];
  kept: { path: string; ageS: number }[];
  /** The server refused to remove this one (permission denied: an append-only or read-only server): the sweep stopped there, `left` files in all kept. */
  refused?: { path: string; reason: string; left: number };
  /** With `others`: other names' stale temporary files, left there. */
  others?: OthersStale;
}

/** True when `name` is a temporary name scpipe gives for a file named `base` in `dir` (sftp-paths.ts tempNameFor). */
export function isTempNameOf(name: string, base: string, dir?: string): boolean {
  return tempNameTest(base, dir)(name);
}

// The same test with its prefixes made once: a listing asks it of every name.
function tempNameTest(base: string, dir?: string): (name: string) => boolean {
  const prefixes = [tempStem(base, dir), legacyTempStem(base)].map((stem) => `.${stem}${TEMP_MARK}`);
  return (name) => prefixes.some((prefix) => name.length === prefix.length + 6 && name.startsWith(prefix) && /^[A-Za-z0-9]{6}$/.test(name.slice(prefix.length)));
}

/** A temporary file of the target found in its directory: its age on the server's clock, and its size. */
export interface StaleTemp {
  path: string;
  ageS: number;
  bytes: number;
  /** One of another name's upload (asked for with `others`): only ever told of, never removed. */
  other?: true;
}

/** The temporary files of other names' uploads in the target's directory, past STALE_AFTER_S: told of once, never removed. */
export interface OthersStale {
  dir: string;
  count: number;
  bytes: number;
  oldestAgeS: number;
}

/** OthersStale of `found` (findStaleTemps with `others`), or undefined when none of them is stale. */
export function othersStale(dir: string, found: readonly StaleTemp[]): OthersStale | undefined {
  const stale = found.filter((f) => f.other && f.ageS >= STALE_AFTER_S);
  if (stale.length === 0) return undefined;
  return { dir, count: stale.length, bytes: stale.reduce((n, f) => n + f.bytes, 0), oldestAgeS: Math.max(...stale.map((f) => f.ageS)) };
}

/**
 * The temporary files of `target` in its directory but this run's own
 * (`own`, open as `handle`); `isTemp` says which names are (default: the
 * target's own; a parts set's are those of its parts and manifest). Once
 * `until` is aborted, those found so far. With `others`, other names'
 * temporary files too, marked `other` (the same listing: no round trip more).
 */
export async function findStaleTemps(session: SftpSession, target: string, own: { path: string; handle: Buffer }, isTemp?: (name: string) => boolean, until?: AbortSignal, others = false): Promise<StaleTemp[]> {
  const now = (await session.fstat(own.handle, own.path)).mtime;
  const dir = posix.dirname(target);
  const base = posix.basename(target);
  const ours = isTemp ?? tempNameTest(base, dir);
  const wanted = others ? (name: string) => ours(name) || isUploadTempBase(name) : ours;
  // An older scpipe's cut name may hold U+FFFD (sftp-paths.ts legacyTempStem).
  const entries = await listDirectory(session, dir, { onBadName: () => undefined, only: wanted, until, keepReplaced: true });
  const found: StaleTemp[] = [];
  for (const { name, attrs } of entries) {
    if (!attrs.isFile() || !wanted(name)) continue;
    const path = dir === '.' ? name : posix.join(dir, name);
    if (path === own.path) continue;
    found.push({ path, ageS: Math.max(0, now - attrs.mtime), bytes: attrs.size, ...(ours(name) ? {} : { other: true as const }) });
  }
  return found;
}

/** Removes the stale temporary files of `target` (findStaleTemps), keeping those written to lately. */
export async function removeStaleTemps(session: SftpSession, target: string, own: { path: string; handle: Buffer }, isTemp?: (name: string) => boolean, others = false): Promise<StaleSweep> {
  const listed = await findStaleTemps(session, target, own, isTemp, undefined, others);
  const sweep: StaleSweep = { removed: [], kept: [], others: othersStale(posix.dirname(target), listed) };
  const found = listed.filter((f) => !f.other);
  for (const [i, { path, ageS }] of found.entries()) {
    if (ageS < STALE_AFTER_S) {
      sweep.kept.push({ path, ageS });
      continue;
    }
    try {
      await session.unlink(path);
    } catch (err) {
      // Gone meanwhile, or a name of bytes that are not UTF-8, listed with a U+FFFD it does not hold.
      if (isScpipeError(err, 'ERR_NO_SUCH_FILE')) continue;
      // Removing is not allowed there (serve --append-only): said once, and the upload goes on.
      if (isScpipeError(err, 'ERR_PERMISSION_DENIED')) {
        sweep.refused = { path, reason: err.message, left: found.slice(i).filter((f) => f.ageS >= STALE_AFTER_S).length };
        return sweep;
      }
      throw err;
    }
    sweep.removed.push(path);
  }
  return sweep;
}
