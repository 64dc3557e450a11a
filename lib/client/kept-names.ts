// The names a `get --output FILE --resume` gives what it keeps beside FILE:
// a single file's FILE.scpipe-partial-SIZE-MTIME-PATHHASH (PATHHASH: 8 hex
// of the SHA-256 of the remote path in one spelling, so two remote files of
// one size and mtime second, split(1)'s chunks, are told apart), a parts set's
// FILE.scpipe-partial-HEX, and the lock FILE.scpipe-lock(.break). FILE here
// is one base for them all, fitted so the longest name stays within
// NAME_MAX, as a plain get's temporary names are (fs/temp-file.ts): a longer
// FILE is cut by whole characters and ends in `~` and 8 hex of its whole
// name's SHA-256, so two long FILEs that share their start keep apart.
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { toBytes } from '../util/byte-text';

/** What follows the base in a kept file's name. */
export const KEPT_SUFFIX = '.scpipe-partial-';
const LOCK_SUFFIX = '.scpipe-lock';
const NAME_MAX = 255;
const HASH_HEX = 8;
// The longest tail: SIZE up to 2^64 (20 digits), MTIME a uint32 (10 digits).
const ROOM = NAME_MAX - (KEPT_SUFFIX.length + 20 + 1 + 10 + 1 + HASH_HEX);

const shortHash = (text: string): string => createHash('sha256').update(toBytes(text)).digest('hex').slice(0, HASH_HEX);

/** The base every name kept beside `file` starts with: its name, or that name cut and marked where it is too long. */
export function keptBase(file: string): string {
  const base = basename(file);
  if (toBytes(base).length <= ROOM) return base;
  const chars = Array.from(base);
  const mark = `~${shortHash(base)}`;
  let bytes = toBytes(base).length;
  while (bytes > ROOM - mark.length) bytes -= toBytes(chars.pop()!).length;
  return chars.join('') + mark;
}

/** The version of a remote file a kept file is for: its size, mtime (seconds) and remote path. */
export interface KeptVersion {
  size: bigint;
  mtime: number;
  /** Undefined in a name an earlier version made (FILE.scpipe-partial-SIZE-MTIME): it says no path. */
  pathHash?: string;
}

/** The kept file's name, beside `file`, of the remote file `remotePath` of `size` bytes and `mtime`. */
export function keptFileName(file: string, size: bigint, mtime: number, remotePath: string): string {
  return `${keptBase(file)}${KEPT_SUFFIX}${size}-${mtime}-${remotePathHash(remotePath)}`;
}

/** The hash a kept file's name gives `remotePath`: of its spelling's normal form (sameRemotePath()). */
export function remotePathHash(remotePath: string): string {
  return shortHash(sameRemotePath(remotePath));
}

/** The hash an earlier version gave `remotePath`: of its spelling as given, so its kept files are still found. */
export function spelledPathHash(remotePath: string): string {
  return shortHash(remotePath);
}

/**
 * One spelling for the spellings of one path that no server reads apart:
 * `./` and empty components dropped (`dir//f`, `./f`, `f/.`), and `~/`
 * taken off (a relative path starts at the login directory). `..` stays:
 * through a symbolic link `a/../b` is not `b`.
 */
export function sameRemotePath(remotePath: string): string {
  const absolute = remotePath.startsWith('/');
  const rest = remotePath === '~' || remotePath.startsWith('~/') ? remotePath.slice(1) : remotePath;
  const parts = rest.split('/').filter((p) => p !== '' && p !== '.');
  return absolute ? `/${parts.join('/')}` : parts.join('/') || '.';
}

/**
 * The version in `name`, if it is a single file's kept file beside `file`:
 * of this version's format, or of an earlier one's (FILE whole, no path).
 */
export function keptFileVersion(name: string, file: string): KeptVersion | undefined {
  const now = keptTail(name, keptBase(file));
  const m = now === undefined ? undefined : /^(\d+)-(\d+)-([0-9a-f]{8})$/.exec(now);
  if (m) return { size: BigInt(m[1]!), mtime: Number(m[2]), pathHash: m[3]! };
  const old = keptTail(name, basename(file));
  const o = old === undefined ? undefined : /^(\d+)-(\d+)$/.exec(old);
  return o ? { size: BigInt(o[1]!), mtime: Number(o[2]) } : undefined;
}

/** A parts set's kept file beside `file`, for the manifest whose SHA-256 starts with `hex16`. */
export function keptSetName(file: string, hex16: string): string {
  return `${keptBase(file)}${KEPT_SUFFIX}${hex16}`;
}

/** Whether `name` is a parts set's kept file beside `file`. */
export function isKeptSetName(name: string, file: string): boolean {
  return isSetAfter(name, keptBase(file));
}

/** Whether `name` (in `file`'s directory) is a kept file of a `--resume` restore into `file`, of this version or an earlier one. */
export function isKeptRestoreName(name: string, file: string): boolean {
  // An earlier version's names began with FILE's whole name, never cut.
  return keptFileVersion(name, file) !== undefined || isSetAfter(name, keptBase(file)) || isSetAfter(name, basename(file));
}

/** The lock of a `--resume` restore into `file` (resume-lock.ts); `.break` after it while a stale one is broken. */
export function resumeLockName(file: string): string {
  return keptBase(file) + LOCK_SUFFIX;
}

// What follows `base` and KEPT_SUFFIX in `name`, if it starts with them.
function keptTail(name: string, base: string): string | undefined {
  const prefix = base + KEPT_SUFFIX;
  return name.startsWith(prefix) ? name.slice(prefix.length) : undefined;
}

// Whether `name` is `base`, KEPT_SUFFIX and a parts set's 16 hex.
function isSetAfter(name: string, base: string): boolean {
  return /^[0-9a-f]{16}$/.test(keptTail(name, base) ?? '');
}
