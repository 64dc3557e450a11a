// A small scratch file system, for a disk that fills: mounted on a fresh
// temporary directory for `use`, unmounted and removed afterwards. Needs root.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs `use` with a tmpfs of `size` (mount's `size=`, e.g. `8m`) mounted on a new directory. */
export async function withTmpfs<T>(size: string, use: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'scpipe-test-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  try {
    return await use(dir);
  } finally {
    execFileSync('umount', [dir]);
    await rm(dir, { recursive: true });
  }
}
