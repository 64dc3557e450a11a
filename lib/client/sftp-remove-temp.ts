// Removing an SFTP upload's temporary file after a failure or an abort. The
// removal goes through a session still alive; after an abort on a slow link
// its requests would wait behind megabytes of writes already handed to the
// connection (minutes at 150 KB/s), so when it is not done within a second
// the connection is dropped with all it holds and a new one removes the file,
// within a bound (cp's uploads too: sftp-tree-writer.ts). What cannot be
// removed is named in the message.
import { ScpipeError, isScpipeError, type TempLeft } from '../errors';
import { SftpSession } from '../sftp/session';
import type { WriteLane } from '../sftp/writer';
import { escapeForTerminal } from '../util/escape';
import type { ChannelOpener } from './connection';
import { isConnectionLoss, type Reconnector } from './reconnect';
import type { UploadPaths } from './sftp-paths';
import { withTempsLeft } from './temps-left';

/** How long the removal after an abort waits for the session it was writing over. */
const ABORT_LIVE_MS = 1_000;
/** How long a new connection may take to remove it then (connect, log in, remove). */
const ABORT_FRESH_MS = 5_000;

// A raised --start-timeout says the host's sftp subsystem may take that long to start: the new connection waits as long.
function freshBound(givenStartTimeoutMs: number | undefined): number {
  return Math.max(ABORT_FRESH_MS, givenStartTimeoutMs ?? 0);
}

/** What the removal is told besides the lanes and paths. */
export interface RemoveOptions {
  log?: (line: string) => void;
  /** Told of a temporary file that could not be removed. */
  onLeftBehind?: (temp: string) => void;
  /** A whole upload that --no-clobber could not rename stays. */
  keep?: boolean;
  /** Every byte was acknowledged: what is left is the whole upload. */
  whole?: boolean;
  /** The rename was asked for: the server may have made it before the loss. */
  renaming?: boolean;
  /** The temporary file was found gone (after a reconnection): nothing is left to name. */
  gone?: boolean;
}

/**
 * After an abort: removeTemp(), but over a new connection where the old one
 * does not answer in time (see the file comment).
 */
export async function removeTempAfterAbort(conn: Reconnector, lanes: WriteLane[], paths: UploadPaths, failure: ScpipeError, opts: RemoveOptions, generation = conn.current().generation): Promise<unknown> {
  const live = lanes.some((l) => !l.session.ended);
  // A clean-up beside this one (another part) may have dropped the lanes' connection first: the file is still there.
  if ((!live && !conn.wasDropped(generation)) || !conn.canReconnect) return removeTemp(lanes, paths, failure, opts);
  const removal = new RemovalAfterAbort(() => conn.drop(generation), () => conn.current().opener, opts.log);
  try {
    return leftIn(failure, paths, await removal.settle(paths.temp, live ? removeOverLive(lanes, paths, opts.log) : undefined), opts);
  } finally {
    removal.end();
  }
}

/**
 * The removals of temporary files after an abort: each is given
 * ABORT_LIVE_MS on the session it was writing over; one late, or lost (a
 * clean-up beside it dropped the connection), goes over one new session,
 * made once for them all, within ABORT_FRESH_MS (or a longer --start-timeout)
 * of the first that needed it.
 */
export class RemovalAfterAbort {
  private fresh: Promise<SftpSession> | undefined;
  private deadline = 0;
  private freshMs = ABORT_FRESH_MS;

  /** `drop` ends the old connection with what is queued; `opener` gives the one to open the new session on. */
  constructor(private readonly drop: () => void, private readonly opener: () => ChannelOpener, private readonly log?: (line: string) => void) {}

  /** True once a removal dropped the old connection: a session found ended since then left its file behind. */
  get dropped(): boolean {
    return this.fresh !== undefined;
  }

  /**
   * Resolves what kept `temp` (undefined once removed); `onLive` is its
   * removal over the old session, resolving the same; none: that session
   * was dropped, straight to the new one.
   */
  async settle(temp: string, onLive: Promise<unknown> | undefined): Promise<unknown> {
    let how = 'the connection was dropped';
    if (onLive) {
      onLive.catch(() => undefined);
      const inTime = await within(onLive.then((kept) => ({ kept })), ABORT_LIVE_MS);
      if (inTime && !isConnectionLoss(inTime.kept)) return inTime.kept;
      how = inTime ? 'the connection went' : `no answer within ${ABORT_LIVE_MS} ms (writes queued on the link)`;
    }
    this.log?.(`sftp: ${how}: removing ${escapeForTerminal(temp)} over a new connection`);
    if (!this.fresh) {
      this.drop();
      const opener = this.opener();
      this.freshMs = freshBound(opener.givenStartTimeoutMs);
      this.deadline = performance.now() + this.freshMs;
      this.fresh = opener.sftpSession(AbortSignal.timeout(this.freshMs));
      this.fresh.catch(() => undefined);
    }
    const removed = this.fresh.then((session) => session.unlink(temp)).then(
      () => this.log?.(`sftp: removed ${escapeForTerminal(temp)} over a new connection`),
      (err: unknown) => {
        if (!isScpipeError(err, 'ERR_NO_SUCH_FILE')) throw err;
      },
    );
    const done = await within(removed.then(() => ({ kept: undefined }), (err: unknown) => ({ kept: err })), this.deadline - performance.now());
    const late = new Error(`no answer within ${this.freshMs / 1000} s`);
    const kept = done ? done.kept : late;
    if (kept === undefined) return undefined;
    const why = isScpipeError(kept, 'ERR_ABORTED') ? late.message : (kept as Error).message;
    return new Error(`over a new connection: ${why}`);
  }

  /** Ends the new session, if one was made. */
  end(): void {
    this.fresh?.then((session) => session.end(), () => undefined);
  }
}

// `promise`'s value, or undefined when it takes longer than `ms`.
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), Math.max(0, ms))));
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** Removes the temporary file through a session still alive; says where it is when none is. */
export async function removeTemp(lanes: WriteLane[], paths: UploadPaths, failure: unknown, opts: RemoveOptions = {}): Promise<unknown> {
  const live = lanes.some((l) => !l.session.ended);
  // The temporary file itself is not there (sftp-resume.ts): nothing is left to name.
  if (!live && (opts.gone || (isScpipeError(failure, 'ERR_NO_SUCH_FILE') && failure.path === paths.temp))) return failure;
  // The rename's own session ended (a protocol error in its answer) while other channels are up: the
  // rename may have been made, as after a loss, so the file is not removed over them but both names said.
  const renameUnknown = live && opts.renaming === true && lanes[0]?.session.ended === true;
  if (renameUnknown) for (const l of lanes) l.session.end();
  if (!live || renameUnknown) {
    opts.onLeftBehind?.(paths.temp);
    // Lost in the fsync, the --verify read-back or the rename: every byte is there, just not under the target's name.
    const left: TempLeft = opts.renaming ? { path: paths.temp, state: 'renaming', target: paths.target } : { path: paths.temp, state: opts.whole ? 'whole' : 'partial' };
    return withTempsLeft(failure, [left]);
  }
  return leftIn(failure, paths, await removeOverLive(lanes, paths, opts.log, opts.keep), opts);
}

// Closes the handles and removes the file through the first live session;
// resolves what kept it (undefined when removed, already gone, or `keep`).
async function removeOverLive(lanes: WriteLane[], paths: UploadPaths, log?: (line: string) => void, keep = false): Promise<unknown> {
  const live = lanes.find((l) => !l.session.ended)!;
  await Promise.all(lanes.map((l) => l.session.close(l.handle, paths.temp).catch(() => undefined)));
  let kept: unknown;
  if (!keep) await live.session.unlink(paths.temp).then(
    () => log?.(`sftp: removed ${escapeForTerminal(paths.temp)}`),
    (err: unknown) => {
      log?.(`sftp: could not remove ${escapeForTerminal(paths.temp)}: ${(err as Error).message}`);
      if (!isScpipeError(err, 'ERR_NO_SUCH_FILE')) kept = err; // a file system gone read-only keeps it
    },
  );
  for (const l of lanes) l.session.end();
  return kept;
}

// `failure`, naming the temporary file when `kept` kept it there: whole once every byte was acknowledged.
function leftIn(failure: unknown, paths: UploadPaths, kept: unknown, opts: RemoveOptions): unknown {
  if (kept === undefined || !isScpipeError(failure)) return failure;
  opts.onLeftBehind?.(paths.temp);
  return withTempsLeft(failure, [{ path: paths.temp, state: opts.whole ? 'whole' : 'partial', removeFailed: (kept as Error).message }]);
}
