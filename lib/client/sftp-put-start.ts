// The start of an SFTP upload (sftp-put.ts): where the target is, the round
// trip, and the temporary file opened. A connection lost there is made again
// within --retries, as a loss during the writes is (sftp-resume.ts): nothing
// of the input has been read yet, so even a pipe is sent whole. A temporary
// file the server may have made before its answer was lost is removed over
// the new connection; one that no connection could remove is told onLeftBehind.
import type { InputAttributes } from 'ssh2';
import { ScpipeError, isScpipeError, withMessage } from '../errors';
import type { SftpSession } from '../sftp/session';
import { escapeForTerminal } from '../util/escape';
import { isConnectionLoss, type Reconnector } from './reconnect';
import { DEFAULT_RETRIES } from './retry';
import { existsError } from './scp-exists';
import { explainSftpFailure } from './sftp-failure-cause';
import { withMissingDirectory } from './missing-directory';
import { asTarget, uploadPaths, type UploadPaths } from './sftp-paths';
import { removeLeftBehind } from './sftp-left-behind';
import { reconnect, type OnGeneration } from './sftp-resume';
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
  const named: string[] = []; // all those a loss's message named
  const attempt = async (session: SftpSession): Promise<Started> => {
    await removeLeftBehind(session, left, opts.trace, opts.onTempKept);
    const paths = await uploadPaths(session, remotePath, opts.name);
    if (opts.noClobber && paths.existingMode !== undefined) throw existsError(paths.target);
    const rtt = opts.parallel === undefined ? await session.roundTripMs() : undefined;
    opts.trace?.(`sftp: ${escapeForTerminal(paths.target)} via ${escapeForTerminal(paths.temp)}`);
    const handle = await openTemp(session, paths, opts, left, named);
    return { session, paths, handle, rtt };
  };
  try {
    try {
      return await attempt(first);
    } catch (err) {
      if (!isConnectionLoss(err) || !conn.canReconnect || (opts.retries ?? DEFAULT_RETRIES) === 0) throw err;
      const signal = opts.signal ?? new AbortController().signal;
      return await reconnect(conn, err as ScpipeError, opts, async (opener) => attempt(await opener.sftpSession(signal)), on);
    }
  } catch (err) {
    for (const temp of left) opts.onLeftBehind?.(temp);
    throw sayLeft(err, left, named);
  }
}

// The final error names what a lost open may have left, as the first loss did
// (a signal while waiting to retry says only the signal otherwise), and no
// longer what a later attempt removed: the first loss's message is reused (retry.ts).
function sayLeft(err: unknown, left: string[], named: string[]): unknown {
  if (!isScpipeError(err)) return err;
  const message = named.filter((temp) => !left.includes(temp)).reduce((said, temp) => said.split(leftClause(temp)).join(''), err.message);
  const unsaid = left.map((temp) => escapeForTerminal(temp)).filter((shown) => !message.includes(shown));
  if (unsaid.length === 0 && message === err.message) return err;
  return withMessage(err, `${message}${unsaid.length === 0 ? '' : `; an empty temporary file may be left in ${unsaid.join(', ')}`}`, { cause: err });
}

function leftClause(temp: string): string {
  return `; an empty temporary file may be left in ${escapeForTerminal(temp)}`;
}

// 'wx' beside the target, with a mode no wider than an old file's until the end.
async function openTemp(session: SftpSession, paths: UploadPaths, opts: SftpPutOptions, left: string[], named: string[]): Promise<Buffer> {
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
      named.push(paths.temp);
      throw withMessage(err, `${(err as ScpipeError).message}${leftClause(paths.temp)}`, { cause: err });
    }
    // Creating a new name ('wx') finds no such file only for its directory; sftp-server
    // says "No such file" also for a file in the way (ENOTDIR), which scp -t calls "Not a directory".
    throw isScpipeError(err) ? withMissingDirectory(asTarget(err, paths.temp, paths.target), paths.target, true) : err;
  }).catch(async (err: unknown) => { throw await explainSftpFailure(session, paths.temp, paths.target, err); });
}

