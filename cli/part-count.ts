// put --part-size of a regular file on stdin: its size is known, so a part
// size that would make more parts than a set may have is refused before
// anything is sent, not after hours, at the part past the limit.
import { ScpipeError } from '../lib';
import { MAX_PARTS, formatBytes } from '../lib/internal';

/** ERR_USAGE when `size` bytes in parts of `partSize` are more parts than a set may have. */
export function checkPartCount(size: bigint | undefined, partSize: bigint, typed: string): void {
  if (size === undefined) return;
  const parts = (size + partSize - 1n) / partSize;
  if (parts <= BigInt(MAX_PARTS)) return;
  // The least part size that fits, rounded up to a power of two the user can type (512K, 4M).
  let fits = 1024n;
  while (fits * BigInt(MAX_PARTS) < size) fits *= 2n;
  const suffix = ['K', 'M', 'G', 'T'].reduce<[bigint, string]>(([n, s], unit) => (n % 1024n === 0n && n >= 1024n ? [n / 1024n, unit] : [n, s]), [fits, '']);
  throw new ScpipeError(
    'ERR_USAGE',
    `bad --part-size ${typed}: stdin is ${formatBytes(size)} (${size} bytes), ${parts} parts of it, more than a set may have (${MAX_PARTS}): give --part-size ${suffix[0]}${suffix[1]} or more`,
  );
}
