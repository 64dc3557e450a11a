// put over SFTP (DESIGN.md "Beyond two passes"): the stream goes as it comes,
// with no spool, into a temporary name beside the target, through the
// pipelined writer over one or more channels; at the end fsync@openssh.com,
// a size check (fstat), close, and posix-rename@openssh.com onto the target (sftp-finish.ts),
// so the target appears whole or not at all and an old file stays until
// then. Any failure or abort removes the temporary file. A lost connection
// is resumed (sftp-resume.ts), one before the first write too (sftp-put-start.ts). How the bytes go: docs/protocol.md §10.
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { ScpipeError, abortError, isScpipeError, throwIfAborted } from '../errors';
import { chooseLanes } from '../sftp/lanes';
import { SftpSession } from '../sftp/session';
import { Interrupt } from '../util/interrupt';
import { PipelinedWriter, type WriteLane } from '../sftp/writer';
import { escapeForTerminal } from '../util/escape';
import type { PutInput, PutOptions, PutResult } from './put-types';
import { isConnectionLoss, type Reconnector } from './reconnect';
import { DEFAULT_RETRIES } from './retry';
import type { UploadPaths } from './sftp-paths';
import { startUpload } from './sftp-put-start';
import { recoverer, reopenToFinish, type OnGeneration, type ResumeOptions } from './sftp-resume';
import { STALE_AFTER_S, STALE_LOOK_GRACE_MS, findStaleTemps, othersStale, removeStaleTemps, type StaleTemp } from './sftp-stale';
import { openLanes } from './sftp-lanes';
import { piecesOf, type PieceSource } from './sftp-pieces';
import { explainSftpFailure } from './sftp-failure-cause';
import { accountOf, deniesWrite, readOnlyError } from './sftp-read-only';
import { finish, type FinishStage } from './sftp-finish';
import { removeTemp, removeTempAfterAbort } from './sftp-remove-temp';
import { keepFresh } from './sftp-keep-fresh';
import { copyInput } from './sftp-put-input';
import { abortKeepingWhole, keptWhole, onlyCopyKept } from './temps-left';

/** Bytes held unacknowledged per channel: the 2 MiB window and the server's queue, twice over. */
export const HELD_PER_LANE = 8 * 1024 * 1024;
/**
 * And over all channels: each byte in flight is held twice (its request and
 * ssh2's packets), so 4 channels × 8 MiB peaked at 147–157 MiB RSS at 20 ms;
 * 3 windows per channel still keep each one full (docs/performance.md §3).
 */
const HELD_MAX = 24 * 1024 * 1024;

/** Options of an SFTP put beyond put()'s. */
export interface SftpPutOptions extends PutOptions, ResumeOptions {
  /** Channels (SFTP sessions) to write over; default chosen from the round trip (lanes.ts). */
  parallel?: number;
  /** Told of a temporary file that no live session could remove (the message names it too). */
  onLeftBehind?: (temp: string) => void;
  /** With removeStale: the names in the target's directory that are temporary files to sweep (sftp-stale.ts). */
  staleNames?: (name: string) => boolean;
  /** With removeStale: told once the sweep is over (done or failed). */
  onSwept?: () => void;
}

/**
 * Uploads `input` over SFTP; `first` is the session auto/sftp opened (and
 * how long it took). Rejects with a ScpipeError; the temporary file is gone
 * then, unless the connection was lost for good (the message names it).
 */
export async function putSftp(
  conn: Reconnector,
  first: { session: SftpSession; ms: number; on?: OnGeneration },
  remotePath: string,
  input: PutInput,
  opts: SftpPutOptions = {},
): Promise<PutResult> {
  const log = opts.trace;
  // The connection `first` is on, moved on by each reconnection: a loss renews that one only (sftp-resume.ts).
  const on: OnGeneration = first.on ?? { generation: conn.current().generation };
  // Lost before the first write: made again, as a loss during the writes is (sftp-put-start.ts).
  const { session, paths, handle, rtt } = await startUpload(conn, first.session, remotePath, opts, on);
  const wanted = opts.parallel ?? chooseLanes(rtt!);
  log?.(`sftp: session set up in ${first.ms.toFixed(1)} ms; ${wanted} channel(s) ${rtt === undefined ? '(--parallel)' : `for a round trip of ${rtt.toFixed(2)} ms`}`);
  let lanes: WriteLane[] = [{ session, handle }];
  let writer: PipelinedWriter | undefined;
  let source: PieceSource | undefined;
  let finishing: WriteLane[] | undefined; // lanes of a finish after a reconnect
  const sum = opts.sha256 || opts.verify ? createHash('sha256') : undefined;
  const fatal = new Interrupt(undefined); // abort: `stop` below
  const stage: FinishStage = {}; // how far the finish got: the rename's answer may be what was lost
  let whole = false; // every byte acknowledged: what is left is the whole upload, not part of it
  let gone = false; // the temporary file was not there to finish: nothing is left
  // Also before the writer is made: the read of a silent producer waits on `fatal`.
  const stop = (): void => {
    const err = abortError(opts.signal);
    writer?.fail(err);
    fatal.fail(err);
  };
  opts.signal?.addEventListener('abort', stop, { once: true });
  const made = session.fstat(handle, paths.temp);
  made.catch(() => undefined);
  const fresh = keepFresh(() => (writer?.currentLanes ?? lanes)[0], made, paths.temp);
  const lookEnd = new AbortController(); // ends the look for leftovers (below)
  let lookTimer: NodeJS.Timeout | undefined;
  let notKept: ScpipeError | undefined; // -p could not keep the mode or times of the stored file
  let result: PutResult;
  let renamedAfterSignal: ScpipeError | undefined;
  try {
    throwIfAborted(opts.signal); // a signal while the temporary file was opened, before `stop` listened
    if (paths.existingOwner && deniesWrite({ mode: paths.existingMode!, ...paths.existingOwner }, await accountOf(session, handle, paths.temp))) {
      throw readOnlyError(paths.target);
    }
    if (opts.removeStale) await sweepStale(session, paths, handle, opts);
    // Unasked: looked for while the bytes go, said once they are stored (a
    // listing that fails says nothing; one still going soon after is cut short).
    const leftovers: Promise<StaleTemp[]> | undefined = !opts.removeStale && (opts.onStaleFound || opts.onOthersStaleFound)
      ? findStaleTemps(session, paths.target, { path: paths.temp, handle }, opts.staleNames, lookEnd.signal, opts.onOthersStaleFound !== undefined).catch(() => [])
      : undefined;
    const more = await openLanes(conn.current().opener, paths.temp, wanted - 1, opts.signal ?? new AbortController().signal, log);
    lanes = lanes.concat(more.lanes);
    // Lanes lost with the connection as they opened: the resume that follows opens them again.
    const laneCount = lanes.length + more.lost;
    const { maxWrite } = lanes.map((l) => l.session.limits).reduce((a, b) => (a.maxWrite <= b.maxWrite ? a : b));
    const maxHeld = Math.min(HELD_PER_LANE * laneCount, HELD_MAX);
    log?.(`sftp: ${lanes.length} channel(s), writes of ${maxWrite} bytes, up to ${maxHeld} bytes in flight`);
    source = piecesOf(input, maxWrite);
    const pieces = source;
    writer = new PipelinedWriter(lanes, {
      path: paths.temp,
      pieceSize: maxWrite,
      maxHeld,
      recover: recoverer(conn, paths.temp, laneCount, opts, on),
      onAck: (bytes) => {
        fresh.wrote();
        opts.onProgress?.({ name: posix.basename(paths.target), phase: 'transfer', bytes: BigInt(bytes), total: opts.size });
      },
      onFatal: (err) => fatal.fail(err),
      onRelease: (data) => pieces.release(data),
    });
    opts.onProgress?.({ name: posix.basename(paths.target), phase: 'transfer', bytes: 0n, total: opts.size });
    const bytes = await copyInput(source, writer, fatal, opts, sum);
    source.close();
    const sha256 = sum?.digest('hex');
    await writer.flush();
    fresh.stop();
    whole = true;
    lanes = writer.currentLanes;
    // Every byte is acknowledged: a loss from here on is mended by finishing
    // over a new connection, within the retries shared by losses that move nothing on (sftp-resume.ts).
    for (;;) {
      try {
        notKept = await finish(finishing ?? lanes, paths, bytes, sha256, opts, stage);
        break;
      } catch (err) {
        if (!isConnectionLoss(err) || !conn.canReconnect || (opts.retries ?? DEFAULT_RETRIES) === 0) throw err;
        finishing = await reopenToFinish(conn, err as ScpipeError, paths, bytes, made, opts, on, () => (gone = true));
        if (finishing === undefined) break; // renamed before the loss
        log?.(`sftp: finishing ${escapeForTerminal(paths.temp)} over a new connection`);
      }
    }
    // The rename's answer is the commit point (docs/library.md): a signal before it stands, though the rename was made.
    if (opts.signal?.aborted) renamedAfterSignal = abortError(opts.signal);
    else if (!notKept) opts.onCommitted?.();
    lookTimer = setTimeout(() => lookEnd.abort(), STALE_LOOK_GRACE_MS);
    const found = (await leftovers) ?? [];
    for (const left of found) if (!left.other && left.ageS >= STALE_AFTER_S) opts.onStaleFound?.(left.path, left.ageS, left.bytes);
    const others = othersStale(posix.dirname(paths.target), found);
    if (others) opts.onOthersStaleFound?.(others);
    result = { bytes: BigInt(bytes), name: posix.basename(paths.target), spooled: 'none', command: 'sftp', exit: { code: 0, signal: null }, protocol: 'sftp', channels: lanes.length, sha256 };
  } catch (err) {
    const failure = opts.signal?.aborted ? abortKeepingWhole(abortError(opts.signal), err, paths.temp) : err;
    writer?.fail(failure instanceof ScpipeError ? failure : new ScpipeError('ERR_LOCAL_IO', String(failure)));
    source?.close();
    if (input instanceof Readable) input.destroy();
    const last = finishing ?? writer?.currentLanes ?? lanes;
    // An attempt before this one removed the old target, and this one found the upload not renamed: it stays.
    const found = stage.oldRemoved !== undefined && stage.renaming === false && !gone;
    const told = await explainFailure(last, paths, failure);
    const explained = found ? onlyCopyKept(told, paths, stage.oldRemoved!) : told;
    // A whole upload that could not take the target's name stays: the message names it.
    const keep = keptWhole(explained, paths.temp);
    const removal = { log, keep, onLeftBehind: opts.onLeftBehind, whole, gone, renaming: stage.renaming };
    // After a signal, not for as long as the writes queued on a slow link take (sftp-remove-temp.ts).
    const said = isScpipeError(explained, 'ERR_ABORTED') && !keep ? await removeTempAfterAbort(conn, last, paths, explained, removal, on.generation) : await removeTemp(last, paths, explained, removal);
    // Said anew with what was left, it still ends this upload's retries (withMessage keeps the mark): a part's are not begun again (parts/send.ts).
    throw said;
  } finally {
    clearTimeout(lookTimer);
    lookEnd.abort();
    fresh.stop();
    opts.signal?.removeEventListener('abort', stop);
    fatal.dispose();
    if (session !== first.session) session.end(); // made after a loss at the start: the caller ends only `first`'s
  }
  if (renamedAfterSignal) {
    throw new ScpipeError('ERR_ABORTED', `${renamedAfterSignal.message} as ${escapeForTerminal(paths.target)} was renamed into place; the rename was made, so it is stored whole all the same`, { signal: renamedAfterSignal.signal, path: paths.target, bytes: result.bytes, sha256: result.sha256, stored: true, cause: renamedAfterSignal });
  }
  // Stored, and the temporary file is gone: said as the run's failure, nothing to remove.
  if (notKept) throw notKept;
  return result;
}

// --remove-stale, once this run's own temporary file exists (its mtime is the server's now).
async function sweepStale(session: SftpSession, paths: UploadPaths, handle: Buffer, opts: SftpPutOptions): Promise<void> {
  const sweep = await removeStaleTemps(session, paths.target, { path: paths.temp, handle }, opts.staleNames, opts.onOthersStaleFound !== undefined).finally(() => opts.onSwept?.());
  for (const path of sweep.removed) opts.onStaleRemoved?.(path);
  for (const { path, ageS } of sweep.kept) opts.onStaleKept?.(path, ageS);
  if (sweep.refused) opts.onStaleRefused?.(sweep.refused.path, sweep.refused.reason, sweep.refused.left);
  if (sweep.others) opts.onOthersStaleFound?.(sweep.others);
}

// A bare Failure said as its cause (sftp-failure-cause.ts), through a session still
// alive, before the temporary file is removed.
function explainFailure(lanes: WriteLane[], paths: UploadPaths, failure: unknown): Promise<unknown> {
  return explainSftpFailure(lanes.find((l) => !l.session.ended)?.session, paths.temp, paths.target, failure);
}
