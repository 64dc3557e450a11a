// `get --output` knows the file's size before its first byte: a disk with
// less room says so then, not after hours of a restore that must fail. A
// warning, not a refusal: a file system that compresses (btrfs, ZFS) may
// hold more than it has free.
import { statSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { escapeForTerminal } from '../lib';
import { formatBytes, hostPath } from '../lib/internal';

/**
 * The warning for a `size`-byte download to `path` (links followed), or
 * undefined when it fits or cannot be told. `kept`: bytes of it on that
 * file system already (get --resume), whose room is taken.
 */
export function roomWarning(path: string, size: bigint, kept = 0n): string | undefined {
  try {
    const st = statSync(hostPath(path), { throwIfNoEntry: false });
    if (st !== undefined && !st.isFile()) return undefined; // a device or FIFO is written in place
    const fs = statfsSync(hostPath(dirname(path)), { bigint: true });
    const free = fs.bavail * fs.bsize;
    if (size - kept <= free) return undefined;
    const already = kept > 0n ? `, ${formatBytes(kept)} of it restored already,` : ',';
    return (
      `warning: ${escapeForTerminal(path)}: the file is ${formatBytes(size)}${already} and its file system has ${formatBytes(free)} free: ` +
      'the download fails once it is full, unless the file system compresses it; stop it, then make room or give --output on another disk'
    );
  } catch {
    return undefined;
  }
}
