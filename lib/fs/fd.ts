// Promise wrappers over the numeric-fd calls. The fs streams we use take a
// numeric fd and own it: they close it once, after any read or write still
// running in the thread pool (a FileHandle would be closed twice, or its
// close() would wait forever for a finished stream that holds a reference).
import { close, fchmod, fchown, fstat, futimes, open, type BigIntStats, type Mode, type OpenMode } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { promisify } from 'node:util';
import { hostPath } from '../util/byte-text';

/** open(2): resolves to the fd. */
const openPath: (path: string | Buffer, flags: OpenMode, mode?: Mode) => Promise<number> = promisify(open);

/** open(2) of a path whose name may hold bytes that are not UTF-8 (util/byte-text.ts). */
export const openFd = (path: string, flags: OpenMode, mode?: Mode): Promise<number> => openPath(hostPath(path), flags, mode);
/** close(2), for an fd no stream has taken yet. */
export const closeFd: (fd: number) => Promise<void> = promisify(close);
/** fchmod(2). */
export const fchmodFd: (fd: number, mode: Mode) => Promise<void> = promisify(fchmod);
/** fchown(2). */
export const fchownFd: (fd: number, uid: number, gid: number) => Promise<void> = promisify(fchown);
/** futimes(2) with fractional seconds (see modes.ts utimeSeconds). */
export const futimesFd: (fd: number, atime: number, mtime: number) => Promise<void> = promisify(futimes);

/** fstat(2) with BigInt fields (exact sizes and nanosecond times). */
export function fstatFd(fd: number): Promise<BigIntStats> {
  return new Promise((resolve, reject) => {
    fstat(fd, { bigint: true }, (err, st) => (err ? reject(err) : resolve(st)));
  });
}

/** Destroys an fs stream and waits for 'close': it closes its fd only after a read or write still running in the thread pool. */
export async function destroyed(stream: Readable | Writable): Promise<void> {
  if (stream.closed) return;
  await new Promise<void>((resolve) => {
    stream.once('close', resolve);
    stream.destroy();
  });
}
