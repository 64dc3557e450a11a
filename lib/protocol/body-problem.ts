// What went wrong with a file's body as the source sent it (write-body.ts's
// outcome): the input failed, or gave fewer or more bytes than the C record
// announced. The source tells the sink with a \1 in place of the final \0.
import { ScpipeError } from '../errors';
import type { OutgoingFile } from './source-types';
import type { BodyOutcome } from './write-body';

/** The problem of `file`'s body, or undefined when it was sent whole and exact. */
export function bodyProblem(file: OutgoingFile, { sent, result, readError }: BodyOutcome): ScpipeError | undefined {
  const bytes = sent;
  if (readError) {
    const why = (readError as { code?: string }).code === 'ERR_LOCAL_IO' ? readError.message : `error reading input: ${readError.message}`;
    // A ScpipeError of the input's (or of a caller's callback) passes on what it wraps.
    const cause = readError instanceof ScpipeError ? (readError.cause ?? readError) : readError;
    return new ScpipeError('ERR_LOCAL_IO', `${why} (after ${sent} of ${file.size} bytes)`, { bytes, cause });
  }
  if (result === 'short' && file.localPath !== undefined) {
    return new ScpipeError('ERR_SIZE_MISMATCH', `the file shrank while being sent (${sent} of ${file.size} bytes)`, { bytes, path: file.localPath });
  }
  if (result === 'short') {
    return new ScpipeError('ERR_SIZE_MISMATCH', `input ended after ${sent} bytes, but ${file.size} were announced`, { bytes });
  }
  if (result === 'long') {
    return new ScpipeError('ERR_SIZE_MISMATCH', `input is longer than the ${file.size} bytes announced`, { bytes });
  }
  return undefined;
}
