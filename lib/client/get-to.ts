// get() into a file or a stream, started over after a lost connection where
// that is honest. SFTP downloads read on by themselves from where they were
// (sftp-get.ts), and parts sets fetch the lost part again (parts/set-file.ts);
// what is left is a single file over SCP, which cannot start at an offset:
// - into a file: fetched again from the start; the file is replaced only
//   once a download is complete (save-download.ts), so nothing is doubled;
// - into a stream: only while no byte has gone out; after that the failure
//   says how much went out and that a file (--output) would have been retried.
// A loss before any download began (while opening it) is always retried.
import { lstat } from 'node:fs/promises';
import { asScpipeError, isScpipeError, ScpipeError, withMessage } from '../errors';
import { escapeForTerminal } from '../util/escape';
import { canReconnect, isConnectionLoss } from './reconnect';
import { get } from './get';
import type { Download, GetOptions } from './get-types';
import { wereRetriesSpent, withRetries } from './retry';
import { saveDownloadTo } from './save-download';
import type { Target } from './connection';
import { oneRun } from './run-target';
import { SumCheck } from './sum-check';
import { parseSha256 } from '../util/checksum-file';
import { KeptRestore, type ResumeEvent } from './parts/kept-restore';
import type { Manifest } from './parts/manifest';
import { KeptFile, type RemoteVersion } from './kept-file';
import { takeResumeLock } from './resume-lock';
import { pourDownload } from './pour-download';
import { abortedPartlyOut, explain, partlyOut } from './stream-out';

/** Options of getTo(). */
export interface GetToOptions extends GetOptions {
  /** Told of each download as it starts (a retry starts another). */
  onDownload?: (download: Download) => void;
  /** Compute the SHA-256 of the bytes written out, in the same pass (the result's `sha256`). */
  sha256?: boolean;
  /** The SHA-256 (64 hex digits, either case) the file must have: ERR_CHECKSUM otherwise, and a file output is left as it was; not a SHA-256: ERR_USAGE before anything is fetched. */
  expectSha256?: string;
  /**
   * Told once the commit point passed before any abort (docs/library.md):
   * a file output renamed into place, or a stream given every byte, checked;
   * an abort from then on makes the call resolve.
   */
  onCommitted?: () => void;
  /**
   * Into a file: a parts set goes into `FILE.scpipe-partial-HEX` beside the
   * file, kept when the restore fails, and goes on from its last whole part
   * that matches the manifest (parts/kept-restore.ts); a single file over
   * SFTP goes into `FILE.scpipe-partial-SIZE-MTIME-PATHHASH`, and goes on from its
   * length while the remote file keeps that path, size and mtime (kept-file.ts);
   * over SCP a single file is refused (ERR_CANNOT_RESUME). Either takes
   * FILE.scpipe-lock first (resume-lock.ts: ERR_LOCKED while another run
   * holds it). Over a stream it changes nothing.
   */
  resume?: boolean;
  /** With `resume`: a kept file is being checked, and where the restore starts. */
  onResume?: (event: ResumeEvent) => void;
}

/**
 * Downloads `remotePath` into `output`: a local path (written as
 * saveDownload() does) or a stream (written, never ended). Resolves with
 * the download that completed.
 */
export async function getTo(target: Target, remotePath: string, output: string | NodeJS.WritableStream, opts: GetToOptions = {}): Promise<Download & { sha256?: string }> {
  target = oneRun(target); // run-target.ts: host keys and typed passwords are this call's
  // Checked before anything is fetched; sha256sum and other tools print either case.
  const expectSha256 = opts.expectSha256 === undefined ? undefined : parseSha256(opts.expectSha256, 'expectSha256');
  let attempt = 0;
  let current: Download | undefined;
  let written = 0;
  const kept = opts.resume && typeof output === 'string' ? new KeptRestore(output, opts.onResume) : undefined;
  const keptFile = opts.resume && typeof output === 'string' ? new KeptFile(output, opts.onResume) : undefined;
  // Before a kept file is read: two runs writing into one would mix their bytes.
  const lock = typeof output === 'string' && opts.resume ? await takeResumeLock(output, opts.trace) : undefined;
  // Whether the output was there before the run: a failed check leaves it as it was, or does not make it.
  const existed = typeof output === 'string' ? lstat(output).then(() => true, () => false) : Promise.resolve(false);
  const retryable = (err: unknown): boolean => {
    if (!canReconnect(target) || !isConnectionLoss(err) || wereRetriesSpent(err)) return false;
    // The first connection never made is final (exit 255): there was nothing to lose.
    if (attempt === 1 && current === undefined && isScpipeError(err) && err.code !== 'ERR_LOST_CONNECTION' && err.code !== 'ERR_REMOTE_EXIT') return false;
    if (current !== undefined && (current.protocol !== 'scp' || current.manifest !== undefined)) return false;
    return typeof output === 'string' || written === 0;
  };
  try {
    return await withRetries(
      async () => {
        attempt++;
        current = undefined;
        const wanted = opts.sha256 || expectSha256 !== undefined;
        // A set not the one expected is refused below, before a kept file is read or made.
        const resumeAt = kept && (async (m: Manifest, sha256: string) => (expectSha256 !== undefined && m.sha256 !== expectSha256 ? { part: 0, bytes: 0n } : kept.open(m, sha256, wanted, opts.signal)));
        const resumeFile = keptFile && ((v: RemoteVersion) => keptFile.open(v, wanted, opts.signal));
        const download = await get(target, remotePath, { ...opts, wholeStreamSum: wanted, resumeAt, resumeFile });
        current = download;
        opts.onDownload?.(download);
        const leftAs = typeof output === 'string' ? `${escapeForTerminal(output)} ${(await existed) ? 'was left as it was' : 'was not made'}` : undefined;
        const check = wanted ? new SumCheck(download, expectSha256, leftAs ?? 'the bytes written out are not the file expected', escapeForTerminal(remotePath)) : undefined;
        try {
          check?.checkManifest(leftAs ?? 'nothing was written out');
        } catch (err) {
          download.body.destroy(); // no part is fetched
          download.done.catch(() => undefined);
          throw err;
        }
        const committed = (): void => {
          if (!opts.signal?.aborted) opts.onCommitted?.();
        };
        if (typeof output === 'string') {
          await saveDownloadTo(download, output, { preserve: opts.preserve, check, kept: download.manifest === undefined ? keptFile : kept, reuseChunks: opts.reuseChunks }).catch((err: unknown) => {
            if (isScpipeError(err) && err.stored) committed(); // in place, without -p's mode or times
            throw err;
          });
          committed(); // renamed into place
        } else {
          await pourDownload(download, output, (n) => (written += n), check, opts.signal, opts.reuseChunks);
          // A set's reader is held to the end of the set, its last part checked.
          if (download.manifest !== undefined) await download.done;
          await check?.verify().catch((err: unknown) => {
            download.done.catch(() => undefined); // the error said is the sum's
            throw err;
          });
          committed();
          // The body ended whole and every byte of it was written: an abort now, while the
          // remote's exit status or the close is awaited, comes after the commit point.
          await download.done.catch((err: unknown) => {
            if (!opts.signal?.aborted || download.manifest !== undefined) throw err;
          });
        }
        return { ...download, sha256: check?.sha256 };
      },
      { retries: opts.retries, backoffMs: opts.backoffMs, signal: opts.signal, onRetry: opts.onRetry, isRetryable: retryable },
    );
  } catch (err) {
    await kept?.close();
    await keptFile?.close();
    const note = (await kept?.keptNote(err)) || (await keptFile?.keptNote(err));
    if (note) throw withKeptNote(err, note);
    if (typeof output !== 'string' && written > 0 && current?.manifest !== undefined && isSetsOwn(current, err)) throw partlyOut(err, written);
    if (typeof output !== 'string' && isScpipeError(err, 'ERR_ABORTED') && written > 0) throw abortedPartlyOut(err, written, current, output);
    throw explain(err, written, typeof output !== 'string' && isConnectionLoss(err) && (opts.retries ?? 1) > 0 && canReconnect(target));
  } finally {
    await lock?.release();
  }
}

// A failed --resume restore: the message says where its bytes are kept.
function withKeptNote(err: unknown, note: string): ScpipeError {
  const e = asScpipeError(err);
  return withMessage(e, e.message + note, { cause: e });
}

// The set's own failure (a part missing, altered or cut off), not the output's nor a signal.
function isSetsOwn(download: Download, err: unknown): err is ScpipeError {
  return isScpipeError(err) && err.code !== 'ERR_ABORTED' && (download.body as { errored?: unknown }).errored === err;
}
