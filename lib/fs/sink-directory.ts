// A directory record (D) of a download made on disk, or an existing one
// taken, for the local sink (local-sink.ts): held open from here on, and
// never a symlink or one another user planted.
import { mkdir } from './byte-fs';
import type { ReceivedTimes } from '../protocol/sink-types';
import { mkdirMode, receivedMode } from './modes';
import { DirHandle, holdDirectory } from './dir-handle';
import { lstatOrMissing } from './open-output';
import { plantedByOther } from './planted';
import { pathError } from './strerror';

// Levels of a received tree held open, a descriptor each: deeper ones are named
// through the deepest held (a swap needs write access to a directory the copy
// made), so a tree deeper than a low hard `ulimit -n` is still copied, as scp copies it.
export const HELD_LEVELS = 16;

/** A directory the sink is filling. */
export interface OpenDirectory {
  dir: DirHandle;
  /** The mode to set after E; undefined to leave it (an existing directory without -p). */
  mode?: number;
  times?: ReceivedTimes;
  /** Made by this sink: every file in it is new, so one found there is a name it already stored. */
  made?: boolean;
  /** The regular files stored in it, by inode (LocalSink.madeAt()); dropped when it is left. */
  stored: Map<string, string>;
}

/** What openReceivedDirectory() takes of the sink's options. */
export interface DirectoryOptions {
  preserve: boolean;
  umask: number;
  /** The directories this copy made, kept across cp's retries. */
  made?: Set<string>;
  /** serve's --append-only: an existing directory keeps its mode (its times may change: every file added changes them anyway). */
  appendOnly?: boolean;
}

/**
 * Makes the directory `path` (named `at` in calls) or takes the one there,
 * held open at a `depth` below HELD_LEVELS; `dirMode` as received.
 */
export async function openReceivedDirectory(path: string, at: string, dirMode: number, times: ReceivedTimes | undefined, opts: DirectoryOptions, depth = 0): Promise<OpenDirectory | { error: string }> {
  const hold = depth < HELD_LEVELS;
  const mode = receivedMode(dirMode, opts.preserve, opts.umask);
  const existing = await lstatOrMissing(at, path);
  if (typeof existing === 'string') return { error: existing };
  if (existing?.isSymbolicLink()) return { error: `${path}: not a directory (symbolic link)` };
  if (existing && !existing.isDirectory()) return { error: `${path}: Not a directory` };
  // Made by an attempt before a lost connection: ours whatever owner it shows (NFS root_squash or all_squash make it nobody's).
  const ours = existing !== undefined && (opts.made?.has(path) ?? false);
  const planted = existing && !ours && (await plantedByOther(at, existing, path));
  if (planted) return { error: `${path}: not written into: ${planted}` };
  if (existing) {
    const handle = await holdDirectory(path, at, existing, hold);
    if (!(handle instanceof DirHandle)) return handle;
    // Given its real mode when left (0555 maybe): writable while filled again.
    // OpenSSH chmods an existing directory only with -p, before filling it.
    const change = ours || (opts.preserve && !opts.appendOnly);
    if (change) await handle.chmod(ours ? mkdirMode(mode) : mode).catch(() => undefined);
    return { dir: handle, mode: change ? mode : undefined, times, stored: new Map() };
  }
  try {
    await mkdir(at, mkdirMode(mode));
  } catch (err) {
    return { error: pathError(path, err) };
  }
  opts.made?.add(path);
  const handle = await holdDirectory(path, at, undefined, hold);
  if (!(handle instanceof DirHandle)) return handle;
  return { dir: handle, mode, times, made: true, stored: new Map() };
}
