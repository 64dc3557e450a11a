// A small scratch file system, for a disk that fills: mounted on a fresh
// temporary directory for `use`, unmounted and removed afterwards. Needs root.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './async';

/** Runs `use` with a tmpfs of `size` (mount's `size=`, e.g. `8m`) mounted on a new directory. */
export async function withTmpfs<T>(size: string, use: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'scpipe-test-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  try {
    return await use(dir);
  } finally {
    await unmount(dir);
    await rm(dir, { recursive: true });
  }
}

/**
 * Unmounts `dir`, waiting while it is busy: a server or a remote scp may
 * still be closing its last file there after its client has exited.
 */
export async function unmount(dir: string, timeoutMs = 10_000): Promise<void> {
  let busy = '';
  const unmounted = waitFor(() => {
    try {
      execFileSync('umount', [dir], { stdio: 'pipe' });
      return true;
    } catch (err) {
      busy = String((err as { stderr?: Buffer }).stderr ?? err).trim();
      if (!/busy/i.test(busy)) throw err;
      return false;
    }
  }, `${dir} no longer busy, to unmount it`, timeoutMs);
  await unmounted.catch((err: Error) => {
    throw new Error(`${err.message}: ${busy}`);
  });
}
