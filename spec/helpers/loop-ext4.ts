// An ext4 image on a loop device, made append-only with chattr +a: a
// directory where files are made but never removed. A test that needs one
// fails, saying what is missing, rather than being skipped: a skipped test
// proves nothing.
import { existsSync } from 'node:fs';

/** Throws, naming what to install, when this machine cannot mount an ext4 image with chattr. */
export function requireLoopExt4(): void {
  if (!existsSync('/dev/loop-control')) throw new Error('this test mounts an ext4 image on a loop device and needs /dev/loop-control (a container started with --privileged or --device /dev/loop-control)');
  if (!['/sbin/mkfs.ext4', '/usr/sbin/mkfs.ext4'].some(existsSync) || !['/usr/bin/chattr', '/bin/chattr'].some(existsSync)) {
    throw new Error('mkfs.ext4 and chattr are missing: run `sudo bash scripts/install-test-deps.sh` (package e2fsprogs)');
  }
}
