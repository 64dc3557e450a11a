// The end of an SFTP upload (docs/protocol.md §10): fsync, the size check,
// the read-back of --verify, mode and times, close, and the rename onto the
// target, which makes the upload appear whole or not at all.
import { posix } from 'node:path';
import { ScpipeError, isScpipeError, throwIfAborted } from '../errors';
import type { SftpSession } from '../sftp/session';
import { SFTP_STATUS } from '../sftp/status';
import type { WriteLane } from '../sftp/writer';
import { readOrdered, type ReadLane } from '../sftp/reader';
import { escapeForTerminal } from '../util/escape';
import { isConnectionLoss } from './reconnect';
import type { UploadPaths } from './sftp-paths';
import type { SftpPutOptions } from './sftp-put';
import { notVerified, readBackDiffers, sumOf } from './read-back';
import { READ_AHEAD_PER_LANE } from './sftp-get';
import { notKept, refusal, setTimesAlone } from './sftp-preserve';
import { tempGoneError } from './temp-gone';
import { oldRemovedSaid, withTempsLeft, type OldRemoval } from './temps-left';

/** How far finish() got, across its attempts over new connections. */
export interface FinishStage {
  /** The rename was asked for: a loss from here on may fall after the server renamed. */
  renaming?: boolean;
  /** The old target was removed to rename onto its name (rename() without posix-rename), or its removal's answer was lost: it may be there still. */
  oldRemoved?: OldRemoval;
}

/**
 * fsync, size check, read-back (--verify), mode and times, close, rename
 * (docs/protocol.md §10). Resolves with what -p could not keep of a file
 * stored all the same (a server disk without modes), to be said, exit 1.
 */
export async function finish(lanes: WriteLane[], paths: UploadPaths, bytes: number, sha256: string | undefined, opts: SftpPutOptions, stage: FinishStage = {}): Promise<ScpipeError | undefined> {
  const { session, handle } = lanes[0]!;
  const log = opts.trace;
  stage.renaming = false; // a finish again over a new connection found the temporary file: no rename was made
  if (session.has('fsync@openssh.com')) await session.fsync(handle, paths.temp);
  else log?.('sftp: the server offers no fsync@openssh.com: the data may sit in its cache at the rename');
  const st = await session.fstat(handle, paths.temp);
  if (st.size !== bytes) {
    throw new ScpipeError('ERR_REMOTE', `${escapeForTerminal(paths.temp)}: the server stored ${st.size} of ${bytes} bytes`, { path: paths.temp });
  }
  if (opts.verify) await readBackTemp(lanes, paths, bytes, sha256!, opts, stage);
  let lost: ScpipeError | undefined;
  if (opts.preserve) {
    const t = opts.times ?? { mtime: BigInt(Math.floor(Date.now() / 1000)), atime: BigInt(Math.floor(Date.now() / 1000)) };
    lost = await keepModeAndTimes(session, handle, paths, (opts.mode ?? 0o644) & 0o7777, { atime: Number(t.atime), mtime: Number(t.mtime) });
  } else {
    // scp keeps an existing file's mode. A new one was made with owner read and write
    // added (sftp-put.ts): --mode 0444 gets its mode now, as the server's umask narrowed it.
    const announced = (opts.mode ?? 0o644) & 0o7777;
    const mode = paths.existingMode ?? ((announced & 0o600) === 0o600 ? undefined : (st.mode ?? 0o7777) & announced);
    // Where the file system has none (FAT: EPERM), scp warns and stores the file, and so do we rather than drop the upload.
    if (mode !== undefined) {
      await session.fsetstat(handle, { mode }, paths.temp).catch((err: unknown) => {
        if (isConnectionLoss(err)) throw err;
        log?.(`sftp: ${escapeForTerminal(paths.temp)}: the ${paths.existingMode === undefined ? '' : "old file's "}mode could not be kept: ${(err as Error).message}`);
      });
    }
  }
  await Promise.all(lanes.map((l) => l.session.close(l.handle, paths.temp)));
  // A signal during the fsync or read-back: the target stays as it was (the caller removes the temporary
  // file, unless an attempt before this one removed the old target: sftp-put.ts).
  throwIfAborted(opts.signal);
  stage.renaming = true; // a loss from here on may fall after the server renamed
  await (opts.noClobber ? renameNoClobber(session, paths) : rename(session, paths, log, stage)).catch((err: unknown) => tempGone(session, paths, err));
  for (const l of lanes) if (l !== lanes[0]) l.session.end();
  return lost;
}

// -p: mode and times in one request, the times alone where the mode is refused (sftp-preserve.ts).
async function keepModeAndTimes(session: SftpSession, handle: Buffer, paths: UploadPaths, mode: number, times: { atime: number; mtime: number }): Promise<ScpipeError | undefined> {
  try {
    await session.fsetstat(handle, { mode, ...times }, paths.temp);
    return undefined;
  } catch (err) {
    const refused = refusal(err);
    return notKept(paths.target, refused, await setTimesAlone(session.fsetstat(handle, times, paths.temp)));
  }
}

// A rename refused for want of its source: the temporary file was removed
// while this run wrote to it (by hand, or by a --remove-stale that took it
// for a leftover). "rename: No such file" alone read as the target's fault.
async function tempGone(session: SftpSession, paths: UploadPaths, err: unknown): Promise<never> {
  if (!isScpipeError(err, 'ERR_NO_SUCH_FILE') || err.tempGone) throw err; // said already (rename())
  const gone = await session.stat(paths.temp).then(() => false, (e: unknown) => isScpipeError(e, 'ERR_NO_SUCH_FILE'));
  const dirThere = await session.stat(posix.dirname(paths.temp)).then(() => true, () => false);
  if (!gone || !dirThere) throw err;
  // tempGone: put's parts send it again whole from their spool (parts/send.ts).
  throw tempGoneError(
    `${escapeForTerminal(paths.target)}: the temporary file ${escapeForTerminal(paths.temp)} was removed during the upload (by hand, or by another run's --remove-stale)`,
    paths.temp,
    err,
    ', and the target is as it was',
  );
}

// How a v3 RENAME says the new name is taken: OpenSSH's FAILURE, or
// FILE_ALREADY_EXISTS (11, of SFTP v5), which ProFTPD's mod_sftp sends in v3 too.
const FILE_ALREADY_EXISTS = 11;
function refusedAsTaken(err: unknown): boolean {
  return isScpipeError(err) && (err.sftpStatus === SFTP_STATUS.FAILURE || err.sftpStatus === FILE_ALREADY_EXISTS);
}

// posix-rename replaces the target atomically. Plain v3 rename fails when the
// target exists: then the old file is removed first, and for that moment
// neither name holds it (said on -v; the new file is whole under the temporary name).
export async function rename(session: SftpSession, paths: UploadPaths, log?: (line: string) => void, stage: FinishStage = {}): Promise<void> {
  if (session.has('posix-rename@openssh.com')) return session.posixRename(paths.temp, paths.target);
  try {
    await session.rename(paths.temp, paths.target);
  } catch (err) {
    if (!refusedAsTaken(err) || paths.existingMode === undefined) throw err;
    log?.(`sftp: no posix-rename@openssh.com: removing the old ${escapeForTerminal(paths.target)} before the rename`);
    // Removed, or maybe so when the answer was lost; refused, it is still there.
    await session.unlink(paths.target).then(
      () => (stage.oldRemoved = 'removed'),
      (e: unknown) => {
        if (isConnectionLoss(e)) stage.oldRemoved ??= 'unanswered';
        throw e;
      },
    );
    await session.rename(paths.temp, paths.target).catch(async (e: unknown) => {
      // Lost, the rename may have been made: a loss, which the retries go on from (sftp-resume.ts reopenToFinish).
      if (isConnectionLoss(e)) throw e;
      if (isScpipeError(e, 'ERR_NO_SUCH_FILE') && (await session.stat(paths.temp).then(() => false, (s: unknown) => isScpipeError(s, 'ERR_NO_SUCH_FILE')))) {
        throw new ScpipeError(
          'ERR_NO_SUCH_FILE',
          `${escapeForTerminal(paths.target)}: the old file was removed to rename the upload onto its name (the server has no posix-rename), but the temporary file ${escapeForTerminal(paths.temp)} was removed too (by hand, or by another run's --remove-stale), so neither is stored`,
          { path: paths.temp, tempGone: true, cause: e },
        );
      }
      throw new ScpipeError('ERR_REMOTE', `${escapeForTerminal(paths.target)}: removed, but the rename failed: the upload is whole in ${escapeForTerminal(paths.temp)}`, { path: paths.temp, tempsLeft: [{ path: paths.temp, state: 'whole' }], cause: e });
    });
  }
}

// --verify: the temporary file read back over the lanes' sessions (a handle
// of their own: the upload's are write-only) before it takes the target's
// name; one that differs is removed by the caller, and the target stays,
// unless an attempt before this one removed it (`stage`): then it is kept, the only copy.
async function readBackTemp(lanes: WriteLane[], paths: UploadPaths, bytes: number, sent: string, opts: SftpPutOptions, stage: FinishStage): Promise<void> {
  const started = performance.now();
  const readers: ReadLane[] = [];
  try {
    for (const { session } of lanes) readers.push({ session, handle: await session.open(paths.temp, 'r') });
    const pieceSize = Math.min(...readers.map((l) => l.session.limits.maxRead));
    const chunks = readOrdered(readers, bytes, { path: paths.temp, pieceSize, maxInFlight: READ_AHEAD_PER_LANE * readers.length, checkEnd: true });
    const read = await sumOf(chunks, posix.basename(paths.target), BigInt(bytes), opts.onProgress, opts.signal);
    if (read !== sent) throw differs(paths, read, sent, stage);
  } catch (err) {
    // A lost connection stays one: finish() is retried over a new connection.
    throw isConnectionLoss(err) ? err : notVerified(err, `${escapeForTerminal(paths.target)}: reading the upload back to verify it failed, so it was not renamed into place`);
  } finally {
    await Promise.all(readers.map((l) => l.session.close(l.handle, paths.temp).catch(() => undefined)));
  }
  opts.trace?.(`verify: read back ${escapeForTerminal(paths.temp)} in ${((performance.now() - started) / 1000).toFixed(2)} s: SHA-256 as sent`);
}

// A read-back that differs: the old target stays, unless it was removed to
// rename onto its name (no posix-rename) before a loss; then the upload is kept and named.
function differs(paths: UploadPaths, read: string, sent: string, stage: FinishStage): ScpipeError {
  if (stage.oldRemoved === undefined) return readBackDiffers(paths.target, read, sent, 'the upload was not renamed into place, and the target is as it was');
  const err = readBackDiffers(paths.target, read, sent, oldRemovedSaid(paths.target, stage.oldRemoved));
  return withTempsLeft(err, [{ path: paths.temp, state: 'whole' }]) as ScpipeError;
}

// --no-clobber: SFTP v3's plain rename refuses an existing target (OpenSSH's
// sftp-server links the new name, which fails when it is taken), so a file
// made by someone else during the upload is left as it is; the upload,
// whole, stays under its temporary name.
async function renameNoClobber(session: SftpSession, paths: UploadPaths): Promise<void> {
  try {
    await session.rename(paths.temp, paths.target);
  } catch (err) {
    if (!refusedAsTaken(err)) throw err;
    const there = await session.stat(paths.target).then(() => true, () => false);
    if (!there) throw err;
    throw new ScpipeError('ERR_EXISTS', `${escapeForTerminal(paths.target)}: another program made this file during the upload, and --no-clobber leaves it as it is; the upload is whole in ${escapeForTerminal(paths.temp)}`, { path: paths.temp, tempsLeft: [{ path: paths.temp, state: 'whole' }], cause: err });
  }
}
