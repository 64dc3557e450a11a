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
export async function removeIfSame(name: string, seen: Stats, now: () => number = Date.now): Promise<boolean> {
  const aside = `${name}.${seen.ino.toString(36)}`;
  const linked = await linkAside(name, aside, now);
  // No hard links there (FAT, many FUSE file systems): checked and removed in two calls, which a run
  // breaking it in between can outpace, rather than a stale lock there never broken.
  if (linked === 'no links') return isSame(await lstat(name).catch(() => undefined), seen) && (await unlink(name).then(() => true, () => false));
  if (!linked) return false; // gone, or another run is at it
  try {
    if (!isSame(await lstat(aside).catch(() => undefined), seen)) return false;
    await unlink(name).catch(() => undefined);
    return true;
  } finally {
    await unlink(aside).catch(() => undefined);
  }
}

function isSame(now: Stats | undefined, seen: Stats): boolean {
  return now !== undefined && now.ino === seen.ino && now.dev === seen.dev && now.mtimeMs === seen.mtimeMs;
}

// What link(2) answers on a file system that has no hard links: vfat and fusefat EPERM, others ENOTSUP or ENOSYS.
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

// A run holds the second name for the few calls above. One made over a minute ago (the link set the
// file's ctime) is of a run killed in them: left, it would stop every later run from removing `name`.
const HELD_AT_MOST_MS = 60_000;

async function linkAside(name: string, aside: string, now: () => number): Promise<boolean | 'no links'> {
  for (let tries = 0; tries < 2; tries++) {
    const err = await link(name, aside).then(() => undefined, (e: NodeJS.ErrnoException) => e);
    if (err === undefined) return true;
    if (NO_LINKS.has(err.code ?? '')) return 'no links';
    if (err.code !== 'EEXIST') return false;
    const left = await lstat(aside).catch(() => undefined);
    if (left === undefined || now() - left.ctimeMs <= HELD_AT_MOST_MS) return false;
    await unlink(aside).catch(() => undefined);
  }
  return false;
}
