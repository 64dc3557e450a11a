// What an upload that failed once `scp -t` was sent its header leaves
// remotely, said in its message: the file may be made or open there, and
// what reached it stays (docs/failures.md "A cut-off remote file").
import { ScpipeError, isScpipeError, withMessage, type CutShort } from '../errors';
import { escapeForTerminal } from '../util/escape';
import type { BodyOutcome } from './write-body';
import type { OutgoingFile } from './source-types';

/**
 * A problem with the input found after the remote took the file's header:
 * the file got `size` bytes anyway (the rest as zero bytes, or only the
 * first `size`) and was told it is bad, and OpenSSH's scp -t keeps it. The
 * remote is told the plain problem; the user also what is left there.
 */
export function untrusted(problem: ScpipeError, file: Pick<OutgoingFile, 'name' | 'size' | 'remotePath' | 'remoteShown'>, { sent, result }: Pick<BodyOutcome, 'sent' | 'result'>): ScpipeError {
  const shown = shownPath(file);
  const holds = result === 'long' ? ` (it holds only the first ${file.size} bytes)`
    : sent < file.size ? ` (it holds the first ${sent} bytes, then ${file.size - sent} zero bytes)` : '';
  return withMessage(problem, `${problem.message}; the remote file ${shown} cannot be trusted${holds}: remove or overwrite it`, { cause: problem.cause ?? problem });
}

/**
 * Whether the server refused the file as an append-only server does (scpipe
 * serve --append-only: `Permission denied (append-only server: …)` from
 * its scp, `PATH: append-only server: …` over SFTP): it received into a
 * name of its own and left the file of that name as it was.
 */
export function refusedByAppendOnly(err: unknown): boolean {
  return isScpipeError(err) && /\(append-only server: [^)]*\)$|: append-only server: [^\n]*$/.test(err.remoteMessage ?? '');
}

function shownPath(file: Pick<OutgoingFile, 'name' | 'remotePath' | 'remoteShown'>): string {
  return escapeForTerminal(file.remoteShown ?? file.remotePath ?? file.name);
}

/**
 * The sink's error for the data it took: a write that failed (a full disk,
 * a quota, EIO). OpenSSH's `scp -t` keeps what it wrote and does not remove
 * the file, which on a full disk holds the space: the user is told. Its
 * later steps (truncate, set mode, set times) leave the bytes whole.
 */
export function leftByRemote(err: ScpipeError, file: Pick<OutgoingFile, 'name' | 'size' | 'remotePath' | 'remoteShown'>, sent: bigint): ScpipeError {
  if (/: (set times|set mode|truncate): [^:]*$/.test(err.remoteMessage ?? '') || sent === 0n || refusedByAppendOnly(err)) return err;
  const shown = shownPath(file);
  const full = err.code === 'ERR_NO_SPACE';
  const what = full ? 'holding what fit, and its space: remove it, or store an empty file over it' : 'holding what was written before the error';
  const message = `${err.message}; the remote file ${shown} is left cut short, ${what}`;
  return withMessage(err, message, {
    cutShort: { name: file.name, path: file.remotePath, written: sent, size: file.size, failed: true }, cause: err, remedyAt: full ? message.length : undefined,
  });
}

/**
 * A failure after the remote accepted the file's header: its file is open,
 * and what reached it stays. OpenSSH's `scp -t` opens without O_TRUNC and
 * truncates to the announced size only once all bytes are in, so a file
 * that was there keeps whatever lay past the new bytes (docs/failures.md).
 */
export function cutShort(err: unknown, file: Pick<OutgoingFile, 'name' | 'size' | 'remotePath' | 'remoteShown'>, written: bigint, always = false): unknown {
  if (!isScpipeError(err)) return err;
  // `always`: aborted (a signal, or another part of the run that failed) or cut off on purpose: the file is open all the same.
  if (!always && err.code !== 'ERR_LOST_CONNECTION' && err.code !== 'ERR_ABORTED' && err.code !== 'ERR_REMOTE_EXIT') return err;
  if (refusedByAppendOnly(err)) return err;
  const shown = shownPath(file);
  // Bytes handed to the connection, not bytes that arrived (ssh2 queues past the window, -l holds more back).
  const whole = written === file.size ? `at most ${written} of ${file.size} bytes written (all handed to the connection, none confirmed)` : `at most ${written} of ${file.size} bytes written`;
  return withMessage(
    err,
    `${err.message}; the remote file ${shown} is left cut short: ${whole}, over the start of any file of that name (a longer one keeps its bytes past them)`,
    { bytes: written, cutShort: { name: file.name, path: file.remotePath, written, size: file.size }, cause: err },
  );
}

/**
 * A failure while the answer to the file's header is awaited: OpenSSH's
 * `scp -t` makes the file as it takes the header, before it answers, so it
 * may be there, empty (one already there is left as it was, no O_TRUNC).
 */
export function headerUnanswered(err: unknown, file: Pick<OutgoingFile, 'name' | 'size' | 'remotePath' | 'remoteShown'>, always = false): unknown {
  if (!isScpipeError(err)) return err;
  if (!always && err.code !== 'ERR_LOST_CONNECTION' && err.code !== 'ERR_ABORTED' && err.code !== 'ERR_REMOTE_EXIT') return err;
  return withMessage(
    err,
    `${err.message}; the remote file ${shownPath(file)} may be left empty: the remote scp makes it as it takes the header, before it answers (a file already there keeps its bytes); a rerun writes over it (with --no-clobber, stops at it)`,
    { bytes: 0n, cutShort: { name: file.name, path: file.remotePath, written: 0n, size: file.size }, cause: err },
  );
}

/**
 * A short input cut off on purpose (write-body.ts `maxPad`): said as cut
 * short, its cause the input's own error when it had one, as untrusted() does.
 */
export function cutOff(problem: ScpipeError, file: Pick<OutgoingFile, 'name' | 'size' | 'remotePath' | 'remoteShown'>, written: bigint): ScpipeError {
  const said = cutShort(problem, file, written, true) as ScpipeError;
  return withMessage(said, said.message, { cause: problem.cause ?? problem });
}

/**
 * Of two attempts at one remote file, what it may hold after both: scp -t
 * opens it without truncating, and truncates nothing after a failed write,
 * so the most either wrote. At the same length, the one whose write did not
 * fail: its bytes may all be there, whatever the other's failure left short
 * (`later` when both or neither failed).
 */
export function mostLeft(earlier: CutShort | undefined, later: CutShort | undefined): CutShort | undefined {
  if (earlier === undefined || later === undefined) return later ?? earlier;
  if (earlier.written > later.written || (earlier.written === later.written && later.failed && !earlier.failed)) return earlier;
  return later;
}
