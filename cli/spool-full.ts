// A spool disk that filled during a single-file SCP put: SCP needs the whole
// stream before its first byte, so say what gets a larger stream through.
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
