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
}

/**
 * The temporary files of `target` in its directory but this run's own
 * (`own`, open as `handle`); `isTemp` says which names are (default: the
 * target's own; a parts set's are those of its parts and manifest). Once
 * `until` is aborted, those found so far.
 */
export async function findStaleTemps(session: SftpSession, target: string, own: { path: string; handle: Buffer }, isTemp?: (name: string) => boolean, until?: AbortSignal): Promise<StaleTemp[]> {
  const now = (await session.fstat(own.handle, own.path)).mtime;
  const dir = posix.dirname(target);
  const base = posix.basename(target);
  const ours = isTemp ?? tempNameTest(base, dir);
  // An older scpipe's cut name may hold U+FFFD (sftp-paths.ts legacyTempStem).
  const entries = await listDirectory(session, dir, { onBadName: () => undefined, only: ours, until, keepReplaced: true });
  const found: StaleTemp[] = [];
  for (const { name, attrs } of entries) {
    if (!attrs.isFile() || !ours(name)) continue;
    const path = dir === '.' ? name : posix.join(dir, name);
    if (path !== own.path) found.push({ path, ageS: Math.max(0, now - attrs.mtime), bytes: attrs.size });
  }
  return found;
}

/** Removes the stale temporary files of `target` (findStaleTemps), keeping those written to lately. */
export async function removeStaleTemps(session: SftpSession, target: string, own: { path: string; handle: Buffer }, isTemp?: (name: string) => boolean): Promise<StaleSweep> {
  const sweep: StaleSweep = { removed: [], kept: [] };
  const found = await findStaleTemps(session, target, own, isTemp);
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
