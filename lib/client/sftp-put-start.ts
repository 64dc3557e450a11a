// The start of an SFTP upload (sftp-put.ts): where the target is, the round
// trip, and the temporary file opened. A connection lost there is made again
// within --retries, as a loss during the writes is (sftp-resume.ts): nothing
// of the input has been read yet, so even a pipe is sent whole. A temporary
// file the server may have made before its answer was lost is removed over
// the new connection; one that no connection could remove is told onLeftBehind
// and listed in the error's tempsLeft (temps-left.ts words it).
import type { InputAttributes } from 'ssh2';
import { ScpipeError, isScpipeError } from '../errors';
import type { SftpSession } from '../sftp/session';
import { escapeForTerminal } from '../util/escape';
import { isConnectionLoss, type Reconnector } from './reconnect';
import { DEFAULT_RETRIES, type RetryEvent } from './retry';
import { existsError } from './scp-exists';
import { explainSftpFailure } from './sftp-failure-cause';
import { withMissingDirectory } from './missing-directory';
import { asTarget, uploadPaths, type UploadPaths } from './sftp-paths';
import { removeLeftBehind } from './sftp-left-behind';
import { reconnect, type OnGeneration } from './sftp-resume';
import { withTempsLeft } from './temps-left';
import type { SftpPutOptions } from './sftp-put';

/** An upload ready for its first write. */
export interface Started {
  /** The session the temporary file is open on: `first`'s, or a new connection's after a loss. */
  session: SftpSession;
  paths: UploadPaths;
  handle: Buffer;
  /** The round trip measured (without --parallel). */
  rtt?: number;
}

/** Opens the upload's temporary file over `first`, or over a new connection after a loss (`on` then names it). */
export async function startUpload(conn: Reconnector, first: SftpSession, remotePath: string, opts: SftpPutOptions, on: OnGeneration): Promise<Started> {
  const left: string[] = []; // temporary files a lost open may have made, not removed yet
  // A loss is told (each retry's, and the last) with what is left at that moment, not what a later attempt removed.
  const told = (err: unknown): unknown => withTempsLeft(err, left.map((path) => ({ path, state: 'empty' as const })));
  const attempt = async (session: SftpSession): Promise<Started> => {
    await removeLeftBehind(session, left, opts.trace, opts.onTempKept);
    const paths = await uploadPaths(session, remotePath, opts.name);
    if (opts.noClobber && paths.existingMode !== undefined) throw existsError(paths.target);
    const rtt = opts.parallel === undefined ? await session.roundTripMs() : undefined;
    opts.trace?.(`sftp: ${escapeForTerminal(paths.target)} via ${escapeForTerminal(paths.temp)}`);
    const handle = await openTemp(session, paths, opts, left);
    return { session, paths, handle, rtt };
  };
  try {
    try {
      return await attempt(first);
    } catch (err) {
      if (!isConnectionLoss(err) || !conn.canReconnect || (opts.retries ?? DEFAULT_RETRIES) === 0) throw err;
      const signal = opts.signal ?? new AbortController().signal;
      const onRetry = opts.onRetry && ((event: RetryEvent) => opts.onRetry!({ ...event, error: told(event.error) }));
      return await reconnect(conn, err as ScpipeError, { ...opts, onRetry }, async (opener) => attempt(await opener.sftpSession(signal, opts.sessionFor)), on);
    }
  } catch (err) {
    for (const temp of left) opts.onLeftBehind?.(temp);
    throw told(err);
  }
}

// 'wx' beside the target, with a mode no wider than an old file's until the end.
async function openTemp(session: SftpSession, paths: UploadPaths, opts: SftpPutOptions, left: string[]): Promise<Buffer> {
  // Replacing a file: the bytes on their way are readable by no more than the old file was (the final mode is set at the end).
  const announced = (opts.mode ?? 0o644) & 0o7777;
  // The owner keeps read and write until the final mode is set at the end: a resume opens the file again (--mode 0444).
  const newMode = announced | 0o600;
  const attrs: InputAttributes = { mode: paths.existingMode === undefined ? newMode : (paths.existingMode & (opts.preserve ? announced : 0o777)) | 0o600 };
  // A missing directory or no permission there, said of the target (as scp -t says it).
  return session.open(paths.temp, 'wx', attrs).catch((err: unknown) => {
    // Lost while opening: the server may have made the file before its answer was lost.
    if (isConnectionLoss(err)) {
      left.push(paths.temp);
      throw err;
    }
    // Creating a new name ('wx') finds no such file only for its directory; sftp-server
    // says "No such file" also for a file in the way (ENOTDIR), which scp -t calls "Not a directory".
    throw isScpipeError(err) ? withMissingDirectory(asTarget(err, paths.temp, paths.target), paths.target, true) : err;
  }).catch(async (err: unknown) => { throw await explainSftpFailure(session, paths.temp, paths.target, err); });
}

