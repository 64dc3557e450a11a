// A download into a stream that failed after bytes went out: the reader has a
// beginning without its end, so the error says how much it has. Each is the
// error told anew (withMessage): its code, context, cause and retriesSpent stay.
import { asScpipeError, isScpipeError, ScpipeError, withMessage } from '../errors';
import type { Download } from './get-types';
import { outputName } from './pour-download';
import { wereRetriesSpent } from './retry';

// A set to a stream failed after some of its parts went out: say what the reader has got.
export function partlyOut(err: ScpipeError, written: number): ScpipeError {
  const said = `${err.message}; the set's first ${written} bytes, each part checked against the manifest, had already been written out, and nothing after them`;
  return withMessage(err, said, { bytes: BigInt(written), cause: err });
}

// An abort after bytes went out: what reads the stream (`| btrfs receive`)
// has a beginning without its end, and must be told it is cut short. The
// count is of the bytes handed to `out`: the CLI flushes stdout before it exits.
export function abortedPartlyOut(err: ScpipeError, written: number, download: Download | undefined, out: NodeJS.WritableStream): ScpipeError {
  const of = download === undefined ? '' : ` of the ${download.size}`;
  const said = `${err.message}; ${written}${of} bytes had already been written to ${outputName(out)}: what reads it has a partial stream, cut short there`;
  return withMessage(err, said, { bytes: BigInt(written), cause: err });
}

// A stream's bytes out went too far for a retry: say so. A retry's failed connect is a lost connection (exit 1).
export function explain(err: unknown, written: number, couldRetry: boolean): unknown {
  if (!isScpipeError(err)) return asScpipeError(err);
  if (couldRetry && written > 0 && !wereRetriesSpent(err) && err.code !== 'ERR_ABORTED') {
    const said = `${err.message}; ${written} bytes had already been written out, so the file is not fetched again (a download to a file, --output, is)`;
    return withMessage(err, said, { code: 'ERR_LOST_CONNECTION', bytes: BigInt(written), cause: err });
  }
  return err;
}
