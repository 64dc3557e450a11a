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

/** A get of a parts set whose local spool filled: the parts fetched ahead are held there, so say how to give them room. */
export function withPartsSpoolFullHint(err: unknown): unknown {
  if (!isScpipeError(err, 'ERR_SPOOL')) return err;
  const code = (err.cause as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string' || !FULL.has(code)) return err;
  return new ScpipeError(
    'ERR_SPOOL',
    `${err.message}; the parts fetched ahead are held there, (--parallel + 1) parts at most: give --spool-dir on a larger disk, or a lower --parallel`,
    { path: err.path, bytes: err.bytes, cause: err.cause },
  );
}
