// Where the RAM part of a spool taken from a file descriptor is kept once it
// outgrows a few blocks: in a "memory file", an unlinked file on a RAM file
// system (on Linux, /dev/shm), rather than in the process's own memory.
//
// Why: the bytes are in RAM either way, but filling fresh process memory
// costs a page fault per 4 KiB page, while write() to tmpfs takes its pages
// inside the kernel, about twice as fast here (docs/performance.md §3). The
// memory is charged to the process's cgroup as before, but shows as shared
// memory (Shmem), not as its RSS.
//
// A memory file is used only when the file system is a tmpfs or ramfs (for
// the default /dev/shm) and keeps a tenth of its size free after the whole
// limit: a small /dev/shm (a container's 64 MiB) is left alone. If it fills
// up anyway, the worker moves on to the disk spool file.
import * as fs from 'node:fs';
import type { SpoolOptions } from './options';
import { isRamFileSystem } from './ram-fs';

/** The RAM part is kept in the process's memory up to this many bytes, and in a memory file beyond them. */
export const MEMORY_FILE_AFTER = 8 * 1024 * 1024;
/** The default memory-file directory on Linux. */
const DEFAULT_MEMORY_DIR = '/dev/shm';

/**
 * The directory for the memory file of a spool with `memoryLimit`, or null
 * when the RAM part stays in the process's memory: the limit is at most
 * MEMORY_FILE_AFTER, `memoryDir` is false, it is not Linux (default only),
 * the default directory is not a RAM file system, or there is not room enough.
 */
export function memoryFileDirectory(opts: Pick<SpoolOptions, 'memoryDir'>, memoryLimit: number): string | null {
  if (memoryLimit <= MEMORY_FILE_AFTER || opts.memoryDir === false) return null;
  const explicit = opts.memoryDir !== undefined;
  if (!explicit && process.platform !== 'linux') return null;
  const dir = opts.memoryDir || DEFAULT_MEMORY_DIR;
  let stats: fs.StatsFs;
  try {
    stats = fs.statfsSync(dir);
  } catch {
    return null;
  }
  if (!explicit && !isRamFileSystem(stats)) return null;
  const free = stats.bavail * stats.bsize;
  const size = stats.blocks * stats.bsize;
  return free - memoryLimit >= size / 10 ? dir : null;
}
