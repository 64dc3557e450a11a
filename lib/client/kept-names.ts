// The names a `get --output FILE --resume` gives what it keeps beside FILE:
// a single file's FILE.scpipe-partial-SIZE-MTIME-PATH (PATH: 8 hex of the
// SHA-256 of the remote path, so two remote files of one size and mtime
// second, split(1)'s chunks, are told apart) and a parts set's
// FILE.scpipe-partial-HEX.
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { toBytes } from '../util/byte-text';

/** What follows the base in a kept file's name. */
export const KEPT_SUFFIX = '.scpipe-partial-';
const HASH_HEX = 8;

const shortHash = (text: string): string => createHash('sha256').update(toBytes(text)).digest('hex').slice(0, HASH_HEX);

/** The base every name kept beside `file` starts with: its name. */
export function keptBase(file: string): string {
  return basename(file);
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
  return `${keptBase(file)}${KEPT_SUFFIX}${size}-${mtime}-${shortHash(remotePath)}`;
}

/** The hash a kept file's name gives `remotePath`. */
export function remotePathHash(remotePath: string): string {
  return shortHash(remotePath);
}

/**
 * The version in `name`, if it is a single file's kept file beside `file`:
 * of this version's format, or of an earlier one's (FILE whole, no path).
 */
export function keptFileVersion(name: string, file: string): KeptVersion | undefined {
  const now = tail(name, keptBase(file) + KEPT_SUFFIX);
  const m = now === undefined ? undefined : /^(\d+)-(\d+)-([0-9a-f]{8})$/.exec(now);
  if (m) return { size: BigInt(m[1]!), mtime: Number(m[2]), pathHash: m[3]! };
  const old = tail(name, basename(file) + KEPT_SUFFIX);
  const o = old === undefined ? undefined : /^(\d+)-(\d+)$/.exec(old);
  return o ? { size: BigInt(o[1]!), mtime: Number(o[2]) } : undefined;
}

/** A parts set's kept file beside `file`, for the manifest whose SHA-256 starts with `hex16`. */
export function keptSetName(file: string, hex16: string): string {
  return `${keptBase(file)}${KEPT_SUFFIX}${hex16}`;
}

/** Whether `name` is a parts set's kept file beside `file`. */
export function isKeptSetName(name: string, file: string): boolean {
  return /^[0-9a-f]{16}$/.test(tail(name, keptBase(file) + KEPT_SUFFIX) ?? '');
}

/** Whether `name` (in `file`'s directory) is a kept file of a `--resume` restore into `file`, of this version or an earlier one. */
export function isKeptRestoreName(name: string, file: string): boolean {
  if (isKeptSetName(name, file) || keptFileVersion(name, file) !== undefined) return true;
  return /^[0-9a-f]{16}$/.test(tail(name, basename(file) + KEPT_SUFFIX) ?? '');
}

function tail(name: string, prefix: string): string | undefined {
  return name.startsWith(prefix) ? name.slice(prefix.length) : undefined;
}
