// File systems that live in RAM (tmpfs, ramfs): /dev/shm, and /tmp on many
// systems (Debian 13, Fedora, Arch). A spool file there takes memory.
import * as fs from 'node:fs';
import { hostPath } from '../util/byte-text';

const TMPFS_MAGIC = 0x01021994;
const RAMFS_MAGIC = 0x858458f6;

/** True when statfs(2) says the file system is in RAM. */
export function isRamFileSystem(stats: Pick<fs.StatsFs, 'type'>): boolean {
  return stats.type === TMPFS_MAGIC || stats.type === RAMFS_MAGIC;
}

/** The bytes free in `dir` when it is on a RAM file system; undefined when not, or not known. */
export function ramFileSystemFree(dir: string): number | undefined {
  try {
    const stats = fs.statfsSync(hostPath(dir));
    return isRamFileSystem(stats) ? stats.bavail * stats.bsize : undefined;
  } catch {
    return undefined;
  }
}
