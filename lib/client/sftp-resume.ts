// Going on with an SFTP transfer after a lost connection (docs/protocol.md
// §10, OpenSSH's way): wait with retry.ts's backoff, connect again, and open
// the file again. An upload truncates its temporary file to the resume point
// (everything below it was acknowledged; above it, only what is still held in
// memory is known to be right) and hands the writer new lanes, which send
// every held chunk again; a download opens the file again at the first byte
// it has not handed on (sftp-get.ts); an upload lost once every byte was
// acknowledged opens its temporary file again to finish there. Each loss
// gets up to `retries` attempts, announced through onRetry; losses whose
// connection moved the transfer on by less than retry.ts HEADWAY_BYTES share
// them (a link that drops every bulk transfer must not be retried for ever).
import type { Stats } from 'ssh2';
import { ScpipeError, isScpipeError, withMessage } from '../errors';
import { escapeForTerminal } from '../util/escape';
import type { WriteLane } from '../sftp/writer';
import type { ChannelOpener } from './connection';
import { DEFAULT_RETRIES, HEADWAY, backoffDelay, countLoss, markRetriesSpent, retriesSpent, retryRefused, sleep, type RetryEvent, type RetryTally } from './retry';
import { isConnectionLoss, type Reconnector } from './reconnect';
import { openLanes } from './sftp-lanes';
import { tempGoneError } from './temp-gone';
import type { UploadPaths } from './sftp-paths';
import type { SftpPutOptions } from './sftp-put';

/** Options of the resume. */
export interface ResumeOptions {
  /** Attempts per lost connection (default retry.ts DEFAULT_RETRIES; 0: none). */
  retries?: number;
  backoffMs?: readonly number[];
  signal?: AbortSignal;
  trace?: (line: string) => void;
  /** Told before each wait. */
  onRetry?: (event: RetryEvent) => void;
  /** What the transfer's first session was named for (a part's `for …/f.000002`): the one opened again after a loss is named so too. */
  sessionFor?: string;
}

/**
 * The generation of `conn` (Reconnector) a transfer's sessions are on. Other
 * transfers may share the connection (the parts of a set): a loss renews
 * only the generation it was seen on, so the connection another one has
 * made meanwhile is used, not closed under it.
 */
export interface OnGeneration {
  generation: number;
  /** The transfer's retries spent since a connection last moved it on by HEADWAY_BYTES (set by reconnect()). */
  retried?: RetryTally;
}

/**
 * After `failure` (a lost connection on `on.generation`): up to `retries`
 * times, wait, connect anew (once for all who lost that connection) and
 * `reopen` on the new connection, which `on` then names; a loss there is
 * tried again, anything else is final; the error after the last says the
 * first loss too. `mark` is how far the transfer had got (bytes acknowledged
 * or handed on): the count starts again only HEADWAY_BYTES past the mark of the last loss.
 */
export async function reconnect<T>(conn: Reconnector, failure: ScpipeError, opts: ResumeOptions, reopen: (opener: ChannelOpener) => Promise<T>, on: OnGeneration = { generation: conn.current().generation }, mark = 0): Promise<T> {
  if (!conn.canReconnect) throw failure;
  const retries = opts.retries ?? DEFAULT_RETRIES;
  const retried = (on.retried ??= { spent: 0, kept: 0 });
  countLoss(retried, mark);
  if (retries > 0 && retried.spent >= retries) {
    const spent = `${retries} ${retries === 1 ? 'retry was' : 'retries were'} spent since a connection last moved the transfer on by ${HEADWAY}`;
    throw markRetriesSpent(withMessage(failure, `${failure.message}; not retried: ${spent}`, { cause: failure }));
  }
  let error: unknown = failure;
  for (let retry = retried.spent + 1; retry <= retries; retry++) {
    retried.spent = retry;
    const delayMs = backoffDelay(retry, opts.backoffMs);
    opts.onRetry?.({ retry, retries, delayMs, error, sharedReconnection: !conn.firstRetryAfter(on.generation) });
    await sleep(delayMs, opts.signal);
    conn.renew(on.generation);
    const current = conn.current();
    on.generation = current.generation;
    try {
      return await reopen(current.opener);
    } catch (err) {
      if (!isConnectionLoss(err)) throw retryRefused(failure, err, retry);
      error = err;
    }
  }
  throw markRetriesSpent(retriesSpent(failure, error, retries));
}

/** The writer's `recover`: new lanes on `temp` truncated to the resume point, or the last error. */
export function recoverer(conn: Reconnector, temp: string, laneCount: number, opts: ResumeOptions, on: OnGeneration) {
  return (failure: ScpipeError, resumePoint: number): Promise<WriteLane[]> =>
    reconnect(conn, failure, opts, async (opener) => {
      const signal = opts.signal ?? new AbortController().signal;
      const session = await opener.sftpSession(signal, opts.sessionFor);
      // Gone after the backoff's waits (up to minutes unwritten): removed by hand, taken for a leftover,
      // or removed by a server's stop that cut the upload (scpipe serve keeps it for this retry).
      const handle = await session.open(temp, 'r+').catch((err: unknown) => {
        if (!isScpipeError(err, 'ERR_NO_SUCH_FILE')) throw err;
        throw tempGoneError(`${escapeForTerminal(temp)}: this upload's temporary file was removed while the connection was down (by hand, by another run's --remove-stale, or by a server that removed the uploads it cut as it stopped)`, temp, err);
      });
      // Cut below the resume point meanwhile: setting the size would fill the gap with
      // zeros under a target of the right size. A stream cannot go back to resend it.
      const { size } = await session.fstat(handle, temp);
      if (size < resumePoint) {
        throw new ScpipeError('ERR_REMOTE', `${escapeForTerminal(temp)}: this upload's temporary file was cut to ${size} bytes while the connection was down, below the ${resumePoint} the server had acknowledged (by hand, or by another program), and the stream cannot be sent again from there, so nothing was stored`, { path: temp });
      }
      await session.fsetstat(handle, { size: resumePoint }, temp);
      opts.trace?.(`sftp: resuming at byte ${resumePoint}`);
      return [{ session, handle }, ...(await openLanes(opener, temp, laneCount - 1, signal, opts.trace)).lanes];
    }, on, resumePoint);
}

// Every byte was acknowledged when the connection went, during the fsync,
// close or rename: connect again (the retries' backoff) and open the
// temporary file again, to finish there (finish() checks its size). Where
// it is gone, the rename went through before the loss, if the target holds
// `bytes` and (without -p) is not older than the temporary file was made (`made`):
// undefined then; else onGone(), and the error. The caller's conn.close() ends the new session.
export async function reopenToFinish(conn: Reconnector, failure: ScpipeError, paths: UploadPaths, bytes: number, made: Promise<Stats>, opts: SftpPutOptions, on: OnGeneration, onGone?: () => void): Promise<WriteLane[] | undefined> {
  const signal = opts.signal ?? new AbortController().signal;
  const { session, handle } = await reconnect(conn, failure, opts, async (opener) => {
    const session = await opener.sftpSession(signal, opts.sessionFor);
    const handle = await session.open(paths.temp, 'r+').catch((err: unknown) => {
      if (!isScpipeError(err, 'ERR_NO_SUCH_FILE')) throw err;
      return undefined;
    });
    return { session, handle };
  }, on, bytes);
  if (handle !== undefined) return [{ session, handle }];
  const st = await session.stat(paths.target).catch(() => undefined);
  // The old file of the same size (the temporary one removed by another run's --remove-stale).
  const older = st !== undefined && !opts.preserve && (await made.then((m) => st.mtime < m.mtime, () => false));
  if (st?.size !== bytes || older) {
    onGone?.();
    throw new ScpipeError('ERR_LOST_CONNECTION', `${failure.message}; after reconnecting, ${escapeForTerminal(paths.temp)} is gone and ${escapeForTerminal(paths.target)} ${st === undefined ? 'is missing' : older ? 'holds a file older than this upload' : `holds ${st.size} bytes, not ${bytes}`}`, { path: paths.target, cause: failure });
  }
  opts.trace?.(`sftp: the rename was done before the connection went: ${escapeForTerminal(paths.target)} holds all ${bytes} bytes`);
  opts.onFoundRenamed?.(paths.target, bytes);
  return undefined;
}
