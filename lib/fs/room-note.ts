// A received file that did not fit on the local disk: the message says how
// large it is and what its file system has free, so the user knows how much
// room to make (or where else to put it), not only that the disk filled.
import { statfsSync } from 'node:fs';
import { posix } from 'node:path';
import { formatBytes } from '../spool/size';
import { hostPath } from '../util/byte-text';
import { errnoCode } from './strerror';

const TOO_LARGE = 'larger than a file may be there: the largest file its file system holds (FAT: 4 GiB), or the file-size limit, ulimit -f; more room would not help: write it to a file system that holds a file that large, or raise ulimit -f';

/** What to add to the write error `err` of a `size`-byte file at `path`: '' unless its disk was full or the file too large. */
export function roomNote(err: unknown, path: string, size: bigint): string {
  // EFBIG is no matter of room: the file system's largest file or RLIMIT_FSIZE.
  if (errnoCode(err) === 'EFBIG') return ` (the file is ${formatBytes(size)}, ${TOO_LARGE})`;
  if (errnoCode(err) !== 'ENOSPC') return '';
  try {
    const fs = statfsSync(hostPath(posix.dirname(path)), { bigint: true });
    if (fs.files > 0n && fs.ffree === 0n) return ''; // out of inodes: room would not help
    return ` (the file is ${formatBytes(size)}, and its file system has ${formatBytes(fs.bavail * fs.bsize)} free)`;
  } catch {
    return '';
  }
}
