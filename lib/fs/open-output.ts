// Where one received file goes on disk, as OpenSSH's sink opens it
// (docs/protocol.md §4.3): a device or FIFO (/dev/null, a tty) is written in
// place; anything else is received into a private temp file beside `path`
// and renamed over it only once complete (output-file.ts). Used by the local
// sink for each file of a download, and by `get --output`.
import { constants, type Stats } from 'node:fs';
import { access, lstat, readlink } from './byte-fs';
import type { ReceivedTimes } from '../protocol/sink-types';
import { DirHandle } from './dir-handle';
import { openFd } from './fd';
import { receivedMode, replacedMode } from './modes';
import { OutputFile } from './output-file';
import { plantedByOther } from './planted';
import { errnoCode, pathError } from './strerror';
import { isDescriptorLink } from './target';
import { createTempFile } from './temp-file';
import { TEMP_NAME_REFUSAL, appendOnlyRefusal, isUploadTempName, type CompareOptions } from './store-new';

/** How the file is to be stored. */
export interface OutputFileOptions {
  /** Announced size and mode. */
  size: bigint;
  mode: number;
  /** -p: the exact announced mode (else less the umask, or the old file's). */
  preserve: boolean;
  /** Times to set once complete (the peer sends them only with -p). */
  times?: ReceivedTimes;
  umask: number;
  onDone?: (path: string, bytes: bigint) => void;
  /** Refuse a device or FIFO instead of writing into it (serve: see LocalSinkOptions). */
  regularOnly?: boolean;
  /** Store only under a new name, or one holding the same bytes (serve's --append-only, store-new.ts). */
  newOnly?: boolean;
  /** How a re-sent file is compared (newOnly). */
  compare?: CompareOptions;
  /** The temp file to go on writing (get --resume: kept-restore.ts), kept when the download fails; its fd is the OutputFile's once one is made. */
  kept?: { path: string; fd: number; start: bigint };
}

/**
 * Opens `path` for a received file, or says why not in OpenSSH's words
 * (`path: strerror`). A symlink at `path` is never followed. `through`:
 * the path to use in calls (a name under an open directory, dir-handle.ts)
 * and that directory if it is handed over (closed once the file is settled);
 * without it, `path`'s own directory is opened so.
 */
export async function openOutputFile(path: string, opts: OutputFileOptions, through?: { at: string; dir?: DirHandle }): Promise<OutputFile | { error: string }> {
  let via = through;
  if (!via) {
    try {
      const parent = await DirHandle.parentOf(path);
      via = { at: parent.dir.at(parent.name), dir: parent.dir };
    } catch (err) {
      return { error: pathError(path, err) }; // e.g. a missing parent: "No such file or directory"
    }
  }
  const opened = await openAt(path, via.at, opts, via.dir);
  if ('error' in opened) await via.dir?.close();
  return opened;
}

async function openAt(path: string, at: string, opts: OutputFileOptions, dir?: DirHandle): Promise<OutputFile | { error: string }> {
  const existing = await lstatOrMissing(at, path);
  if (typeof existing === 'string') return { error: existing };
  // `dir/` names a directory, which open(O_CREAT) refuses at once; the temp
  // file beside it would take every byte before its rename failed.
  if (path.endsWith('/') && !existing?.isDirectory()) return { error: `${path}: ${existing ? 'Not a directory' : 'No such file or directory'}` };
  const common = { path, size: opts.size, onDone: opts.onDone, dir };
  // A device or pipe is written in place, from the first byte: a resumed body starts later.
  if (opts.kept && existing && !existing.isFile() && !existing.isDirectory()) return { error: `${path}: not a regular file, so no restore is resumed into it` };
  if (existing?.isSymbolicLink() && !opts.regularOnly && (await isDescriptorLinkAt(at))) {
    // /dev/stdout to a pipe (target.ts): written in place, through the link.
    const fd = await openFd(at, constants.O_WRONLY).catch((err: unknown) => pathError(path, err));
    return typeof fd === 'string' ? { error: fd } : new OutputFile({ ...common, fd });
  }
  if (existing?.isSymbolicLink()) return { error: `${path}: is a symbolic link (not followed)` };
  if (existing?.isDirectory()) return { error: `${path}: Is a directory` };
  const planted = existing && (await plantedByOther(at, existing, path));
  if (planted) return { error: `${path}: not written: ${planted}` };
  if (existing && !existing.isFile() && opts.regularOnly) return { error: `${path}: not a regular file` };
  if (existing && !existing.isFile()) {
    // /dev/null, a FIFO, a tty: write into it, as OpenSSH does; no temp
    // file, no truncate, no chmod or times on a device node.
    const fd = await openFd(at, constants.O_WRONLY | constants.O_NOFOLLOW).catch((err: unknown) => pathError(path, err));
    return typeof fd === 'string' ? { error: fd } : new OutputFile({ ...common, fd });
  }
  // Refused before the body when the sizes tell already: only the same bytes may be sent again.
  if (existing && opts.newOnly && BigInt(existing.size) !== opts.size) return { error: appendOnlyRefusal(path) };
  if (opts.newOnly && isUploadTempName(path)) return { error: `${path}: Permission denied (append-only server: ${TEMP_NAME_REFUSAL})` };
  if (existing) {
    // OpenSSH opens the old file for writing; do not replace what it could not write.
    const denied = await access(at, constants.W_OK).then(() => undefined, (err: unknown) => pathError(path, err));
    if (denied) return { error: denied };
  }
  const mode = existing ? replacedMode(opts.mode, existing.mode, opts.preserve) : receivedMode(opts.mode, opts.preserve, opts.umask);
  let temp;
  try {
    temp = opts.kept ?? (await createTempFile(path, at));
  } catch (err) {
    return { error: pathError(path, err) }; // e.g. a missing parent: "No such file or directory"
  }
  const owner = existing && !opts.newOnly ? ownerToKeep(existing) : undefined;
  const kept = opts.kept && { start: opts.kept.start, keep: true };
  return new OutputFile({ ...common, at, tempPath: temp.path, fd: temp.fd, mode, modeRequired: opts.preserve, owner, times: opts.times, newOnly: opts.newOnly, compare: opts.compare, ...kept });
}

// The old file's owner, when root replaces another's file (only root may give a file away).
function ownerToKeep(existing: Stats): { uid: number; gid: number } | undefined {
  if (process.geteuid?.() !== 0 || (existing.uid === 0 && existing.gid === process.getegid?.())) return undefined;
  return { uid: existing.uid, gid: existing.gid };
}

async function isDescriptorLinkAt(path: string): Promise<boolean> {
  const text = await readlink(path).catch(() => undefined);
  return text !== undefined && (await isDescriptorLink(path, text));
}

/** lstat(), undefined when missing, or the error text (naming `shown`). */
export async function lstatOrMissing(path: string, shown = path): Promise<Stats | undefined | string> {
  try {
    return await lstat(path);
  } catch (err) {
    return errnoCode(err) === 'ENOENT' ? undefined : pathError(shown, err);
  }
}
