// A spool disk that filled: during a single-file SCP put (SCP needs the whole
// stream before its first byte), or under the parts a get fetches ahead; say
// what gets the stream through.
import { ScpipeError, isScpipeError } from '../lib';

const FULL = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);

/** `err` with the way past a full spool disk added, when that is what it is; else `err`. */
export function withSpoolFullHint(err: unknown): unknown {
  if (!isScpipeError(err, 'ERR_SPOOL')) return err;
  const code = (err.cause as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string' || !FULL.has(code)) return err;
  return new ScpipeError(
    'ERR_SPOOL',
    `${err.message}; nothing was sent: over SCP the whole stream is spooled before it goes. ` +
      '--part-size (e.g. 1G) sends it in parts as it comes, with bounded disk; or give --spool-dir on a larger disk',
    { path: err.path, bytes: err.bytes, cause: err.cause },
  );
}

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
  return new ScpipeError('ERR_SPOOL', `${err.message}; ${PARTS_HELD[role]}`, { ...err, cause: err.cause });
}
