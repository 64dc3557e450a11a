// A spool disk that filled: during a single-file SCP put (SCP needs the whole
// stream before its first byte), or under the parts a get fetches ahead; say
// what gets the stream through.
import { ScpipeError, isScpipeError } from '../lib';
import { NO_INODES, outOfInodes } from '../lib/internal';

const FULL = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);

/** `err` with the way past a full spool disk added, when that is what it is; else `err`. */
export function withSpoolFullHint(err: unknown): unknown {
  if (!isScpipeError(err, 'ERR_SPOOL')) return err;
  const code = (err.cause as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string' || !FULL.has(code)) return err;
  if (code === 'ENOSPC' && err.path !== undefined && outOfInodes(err.path)) {
    return new ScpipeError('ERR_SPOOL', `${err.message}; nothing was sent: ${NO_INODES}`, { path: err.path, bytes: err.bytes, cause: err.cause });
  }
  const past = code === 'EFBIG'
    ? 'each a file of its own; or give --spool-dir on a file system that holds a file of the whole stream (FAT holds at most 4 GiB; see also ulimit -f)'
    : 'with bounded disk; or give --spool-dir on a larger disk';
  return new ScpipeError(
    'ERR_SPOOL',
    `${err.message}; nothing was sent: over SCP the whole stream is spooled before it goes. --part-size (e.g. 1G) sends it in parts as it comes, ${past}`,
    { path: err.path, bytes: err.bytes, cause: err.cause },
  );
}

// EFBIG: the file system's largest file (FAT: 4 GiB), or `ulimit -f`, not its room.
const PART_TOO_LARGE = {
  get: 'a part is larger than the largest file the spool directory\'s file system holds (FAT: 4 GiB; see also ulimit -f): give --spool-dir on another file system',
  put: 'a part is larger than the largest file the spool directory\'s file system holds (FAT: 4 GiB; see also ulimit -f): give a smaller --part-size, or --spool-dir on another file system',
};

// What the parts held in the spool directory are, and how to give them room.
const PARTS_HELD = {
  get: 'the parts fetched ahead are held there, (--parallel + 1) parts at most: give --spool-dir on a larger disk, or a lower --parallel',
  put: 'the parts waiting to be sent are held in the spool directory, (--parallel + 1) parts at most: give --spool-dir on a larger disk, or a smaller --part-size or --parallel',
};

/** A parts set's get or put whose local spool filled, with the way past it added; else `err`. */
export function withPartsSpoolFullHint(err: unknown, role: 'get' | 'put'): unknown {
  if (!isScpipeError(err, 'ERR_SPOOL')) return err;
  // A put's error says what the set is left as; the disk's error is its cause's cause.
  const spool = isScpipeError(err.cause, 'ERR_SPOOL') ? err.cause : err;
  const code = (spool.cause as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string' || !FULL.has(code)) return err;
  return new ScpipeError('ERR_SPOOL', `${err.message}; ${(code === 'EFBIG' ? PART_TOO_LARGE : PARTS_HELD)[role]}`, { ...err, cause: err.cause });
}
