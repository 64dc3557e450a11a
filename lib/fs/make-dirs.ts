// `mkdir -p` whose error is the real one. Node's recursive mkdir reports
// ENOENT for a parent it could not make on a read-only file system (EROFS:
// ProtectHome=read-only, a read-only mount), naming the wrong cause.
import { mkdir, stat } from './byte-fs';
import { dirname } from 'node:path';

/** Makes `dir` and any missing parents with `mode`; rejects with the errno of the level that failed. */
export async function makeDirs(dir: string, mode: number): Promise<void> {
  try {
    await mkdir(dir, mode);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return isDirectory(dir, err);
    const parent = dirname(dir);
    if (code !== 'ENOENT' || parent === dir) throw err;
    await makeDirs(parent, mode);
    await mkdir(dir, mode).catch((again: NodeJS.ErrnoException) => (again.code === 'EEXIST' ? isDirectory(dir, again) : Promise.reject(again)));
  }
}

// What is at `dir` will do when it is a directory or a link to one; a dangling link is its target's ENOENT.
async function isDirectory(dir: string, exists: unknown): Promise<void> {
  if (!(await stat(dir)).isDirectory()) throw exists;
}
