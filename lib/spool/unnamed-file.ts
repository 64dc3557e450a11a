// A file that never has a name: Linux's O_TMPFILE (open(2), since 3.11; on
// tmpfs, ext4, xfs, btrfs and most local file systems). A named temporary
// file unlinked after open leaves a moment, between the open and the unlink,
// in which a SIGKILL leaves the file behind (and on /dev/shm it keeps holding
// RAM until reboot). An O_TMPFILE file is gone with its last descriptor,
// whenever and however the process ends. O_EXCL keeps it from ever being
// linked into the directory later.
import * as fs from 'node:fs';
import { hostPath } from '../util/byte-text';

// O_TMPFILE is not in fs.constants. It is __O_TMPFILE | O_DIRECTORY, and
// __O_TMPFILE is 0o20000000 on every architecture Node runs on under Linux
// (alpha, parisc and sparc differ; Node has no builds for them).
const O_TMPFILE_BIT = 0o20000000;

// What a kernel or file system without O_TMPFILE answers: EISDIR from a kernel
// older than 3.11 (it ignores the bit and sees a directory opened for writing),
// EOPNOTSUPP from a file system that cannot (NFS, FUSE, older overlayfs).
const UNSUPPORTED = new Set(['EISDIR', 'EOPNOTSUPP', 'ENOTSUP', 'EINVAL']);

/** The open(2) flags of an unnamed read-write file in a directory (Linux). */
export const UNNAMED_FILE_FLAGS =
  O_TMPFILE_BIT | fs.constants.O_DIRECTORY | fs.constants.O_RDWR | fs.constants.O_EXCL;

/**
 * Opens an unnamed read-write file in `dir` with `mode`, resolving with its
 * descriptor, or with null where unnamed files are not supported (not Linux,
 * or see UNSUPPORTED): the caller then makes a named file and unlinks it.
 * Rejects with the open's error otherwise (ENOENT, ENOTDIR, EACCES, ...).
 */
export function openUnnamedFile(dir: string, mode: number): Promise<number | null> {
  if (process.platform !== 'linux') return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    // fs.open looked up at call time: tests replace it to play a file system without O_TMPFILE.
    fs.open(hostPath(dir), UNNAMED_FILE_FLAGS, mode, (err, fd) => {
      if (!err) resolve(fd);
      else if (UNSUPPORTED.has(err.code ?? '')) resolve(null);
      else reject(err);
    });
  });
}
