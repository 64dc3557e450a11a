// node:fs/promises for paths that may hold bytes that are not UTF-8
// (util/byte-text.ts): each path goes to the kernel as its bytes, and the
// paths that come back (realpath, readlink) come back as such text. Node
// would send a mark as U+FFFD, another file's name, so a check and the use
// after it would see different files; serve's jail and its roles use these.
import * as fs from 'node:fs/promises';
import { fromBytes, hostPath } from '../util/byte-text';

const BUFFER = { encoding: 'buffer' } as const;

export const access = (path: string, mode?: number): Promise<void> => fs.access(hostPath(path), mode);
export const chmod = (path: string, mode: number): Promise<void> => fs.chmod(hostPath(path), mode);
export const link = (from: string, to: string): Promise<void> => fs.link(hostPath(from), hostPath(to));
export const mkdir = (path: string, mode?: number): Promise<void> => fs.mkdir(hostPath(path), mode).then(() => undefined);
export const rename = (from: string, to: string): Promise<void> => fs.rename(hostPath(from), hostPath(to));
export const rmdir = (path: string): Promise<void> => fs.rmdir(hostPath(path));
export const symlink = (target: string, path: string): Promise<void> => fs.symlink(hostPath(target), hostPath(path));
export const truncate = (path: string, len?: number): Promise<void> => fs.truncate(hostPath(path), len);
export const unlink = (path: string): Promise<void> => fs.unlink(hostPath(path));
export const utimes = (path: string, atime: number | Date, mtime: number | Date): Promise<void> => fs.utimes(hostPath(path), atime, mtime);
export const lutimes = (path: string, atime: number | Date, mtime: number | Date): Promise<void> => fs.lutimes(hostPath(path), atime, mtime);
export const statfs = (path: string, opts: { bigint: true }): Promise<import('node:fs').BigIntStatsFs> => fs.statfs(hostPath(path), opts);
export const open = (path: string, flags?: string | number, mode?: number): Promise<fs.FileHandle> => fs.open(hostPath(path), flags, mode);

/** opendir() whose entries' names are Buffers. */
export const opendirBytes = (path: string): Promise<import('node:fs').Dir> => fs.opendir(hostPath(path), BUFFER as unknown as import('node:fs').OpenDirOptions);

export function lstat(path: string): Promise<import('node:fs').Stats>;
export function lstat(path: string, opts: { bigint: true }): Promise<import('node:fs').BigIntStats>;
export function lstat(path: string, opts?: { bigint: boolean }): Promise<import('node:fs').Stats | import('node:fs').BigIntStats> {
  return fs.lstat(hostPath(path), opts);
}

export function stat(path: string): Promise<import('node:fs').Stats>;
export function stat(path: string, opts: { bigint: true }): Promise<import('node:fs').BigIntStats>;
export function stat(path: string, opts?: { bigint: boolean }): Promise<import('node:fs').Stats | import('node:fs').BigIntStats> {
  return fs.stat(hostPath(path), opts);
}

export const readFile = (path: string): Promise<Buffer> => fs.readFile(hostPath(path));
export const writeFile = (path: string, data: string | Buffer, opts?: { mode?: number; flag?: string }): Promise<void> => fs.writeFile(hostPath(path), data, opts);
export const rm = (path: string, opts?: { force?: boolean; recursive?: boolean }): Promise<void> => fs.rm(hostPath(path), opts);

/** mkdtemp() of `prefix`, the name made as text. */
export async function mkdtemp(prefix: string): Promise<string> {
  return fromBytes(await fs.mkdtemp(hostPath(prefix) as string, BUFFER));
}

/** readdir() of the names as text (util/byte-text.ts). */
export async function readdir(path: string): Promise<string[]> {
  return (await fs.readdir(hostPath(path), BUFFER)).map((name) => fromBytes(name));
}

export async function realpath(path: string): Promise<string> {
  return fromBytes(await fs.realpath(hostPath(path), BUFFER));
}

export async function readlink(path: string): Promise<string> {
  return fromBytes(await fs.readlink(hostPath(path), BUFFER));
}
