// A file system out of inodes but not of blocks says ENOSPC at a file's
// creation while df shows room: `df -i` tells, and so does statfs here.
import { statfsSync } from 'node:fs';
import { hostPath } from '../util/byte-text';

/** Whether `dir`'s file system counts inodes and has none free (false when unknown). */
export function outOfInodes(dir: string): boolean {
  try {
    const s = statfsSync(hostPath(dir));
    return s.files > 0 && s.ffree === 0;
  } catch {
    return false;
  }
}

/** What to say of `dir` then. */
export const NO_INODES = 'its file system has no free inode left (df -i), however much room it has: give --spool-dir on another file system';
