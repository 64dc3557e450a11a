// Removing a file judged stale (a resume lock, its breaker) only while it is
// still that file: several runs may judge it at once, and one of them may
// have removed it and another made a live one under the name since.
import type { Stats } from 'node:fs';
import { link, lstat, unlink } from '../fs/byte-fs';

/**
 * Removes `name` while it is the file `seen` (its inode, device and mtime: a new file may reuse the inode number);
 * true when this call removed it. It is hard-linked first under a name of that file alone, so that of runs removing
 * it at once one goes on, and a file made under `name` since is never moved: moving it aside and back would leave a
 * moment when a third run makes its own.
 */
export async function removeIfSame(name: string, seen: Stats): Promise<boolean> {
  const aside = `${name}.${seen.ino.toString(36)}`;
  if (!(await link(name, aside).then(() => true, () => false))) return false; // gone, or another run is at it
  try {
    const now = await lstat(aside).catch(() => undefined);
    if (now === undefined || now.ino !== seen.ino || now.dev !== seen.dev || now.mtimeMs !== seen.mtimeMs) return false;
    await unlink(name).catch(() => undefined);
    return true;
  } finally {
    await unlink(aside).catch(() => undefined);
  }
}
