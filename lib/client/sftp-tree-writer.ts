// The remote end of `cp` uploads over SFTP: what the local walker
// (fs/local-source.ts, the same one SCP uploads use) sends becomes SFTP
// requests, as OpenSSH's sftp-client.c upload_dir does it, with put's
// atomicity per file (docs/protocol.md §10 "cp over SFTP"):
//   - a file goes to `.NAME.scpipe-XXXXXX` beside its target through the
//     pipelined writer, then FSTAT (size check), FSETSTAT, CLOSE and
//     posix-rename, so an old file stays until the new one is whole; any
//     failure removes the temporary file;
//   - a directory is made as sftp-tree-dirs.ts says.
// A problem with one item is reported (onProblem) and the copy goes on; a
// lost session or an abort ends it.
import type { InputAttributes } from 'ssh2';
import { ScpipeError, abortError, isScpipeError, type TempLeft } from '../errors';
import type { SourceSession } from '../fs/local-source-types';
import type { TimeRange } from '../fs/sent-times';
import { ALL_MODE_BITS, SPECIAL_BITS } from '../fs/modes';
import type { Times } from '../protocol/records';
import type { OutgoingFile } from '../protocol/source-types';
import type { SftpSession } from '../sftp/session';
import { escapeForTerminal } from '../util/escape';
import { writeFileBody } from './sftp-file-body';
import { isConnectionLoss } from './reconnect';
import type { RemovalAfterAbort } from './sftp-remove-temp';
import { rename } from './sftp-finish';
import { notKept, refusal, setTimesAlone, timesAttrs } from './sftp-preserve';
import { RemoteDirectories, isFatal } from './sftp-tree-dirs';
import { absent, asTarget, tempNameFor } from './sftp-paths';
import { throughLinks } from './sftp-links';
import { explainSftpFailure } from './sftp-failure-cause';
import { abortKeepingWhole, keptWhole, withTempsLeft } from './temps-left';
import { accountOf, deniesWrite, readOnlyError, type Account } from './sftp-read-only';
import { OrderedLines, type LineTurn } from '../util/ordered-lines';
import { KeptProblems } from '../util/kept-problems';

/** Options of SftpTreeWriter. */
export interface TreeWriterOptions {
  preserve: boolean;
  signal?: AbortSignal;
  trace?: (line: string) => void;
  onProblem?: (err: ScpipeError) => void;
  /** Told of a temporary file that could not be removed because the session was lost (a retry removes it), and what it may hold (partial unless said). */
  onLeftBehind?: (temp: string, as?: TempLeft) => void;
  /**
   * The directories this copy made, kept across retries: one an earlier
   * attempt made and left read-only (0555) is this copy's to fill again.
   */
  made?: Set<string>;
  /** After an abort: where a removal the session is too slow for goes (sftp-remove-temp.ts). */
  afterAbort?: RemovalAfterAbort;
}

// SFTP version 3's times are uint32 seconds.
const SFTP_TIMES: TimeRange = { latest: 0xffffffffn, said: 'SFTP carries times from 1970 to 2106-02-07T06:28:15Z' };

/** See the file comment. `target` is resolved: a directory to put entries in, or the one item's path. */
export class SftpTreeWriter implements SourceSession {
  /** Small files at once: each costs four round trips, which overlap (docs/performance.md). */
  readonly filesInFlight = 16;
  readonly timeRange = SFTP_TIMES;
  readonly problems = new KeptProblems();
  readonly keepsSticky = true;
  private readonly dirs: RemoteDirectories;
  private account?: Promise<Account>; // asked at the first file that exists already
  private readonly lines: OrderedLines; // -v: each file's lines in walk order

  constructor(
    private readonly session: SftpSession,
    target: { path: string; isDirectory: boolean },
    private readonly opts: TreeWriterOptions,
  ) {
    this.lines = new OrderedLines(opts.trace);
    this.dirs = new RemoteDirectories(session, target, opts);
  }

  // Said in its turn among the files in flight, so -v and the errors keep the walk's order.
  reportLocalError(error: ScpipeError, turn?: LineTurn): void {
    const own = turn ?? this.lines.begin();
    this.problems.add(error);
    own.later(() => this.opts.onProblem?.(error));
    if (!turn) own.end();
  }

  /** Settles once every problem and -v line so far has been said. */
  said(): Promise<void> {
    return this.lines.said();
  }

  // The mode bits a file or directory made here may get: without -p not
  // setuid, setgid or sticky (OpenSSH's rule, lib/fs/modes.ts). Over SFTP the
  // client decides, and a server writing as root keeps what it is sent.
  private get modeBits(): number {
    return this.opts.preserve ? ALL_MODE_BITS : ALL_MODE_BITS & ~SPECIAL_BITS;
  }

  async sendFile(file: OutgoingFile): Promise<boolean> {
    let path = this.dirs.pathFor(file.name); // before any await: the walk goes on (filesInFlight)
    let temp = tempNameFor(path);
    let handle: Buffer | undefined;
    let opened = false;
    let openLost = false; // the server may have made the file before its answer was lost
    let renaming = false; // every byte is there: a loss from here on leaves the upload whole, renamed or not
    const lines = this.lines.begin();
    try {
      // Four round trips a file: stat, lstat and open together; the writes;
      // fstat, fsetstat and close together (a server handles one handle's
      // requests in order); the rename.
      const mode = file.mode & this.modeBits;
      let [existingOr, opening, linkOr] = await Promise.allSettled([
        this.session.stat(path).catch(absent),
        this.session.open(temp, 'wx', { mode }),
        this.session.lstat(path).catch(absent),
      ]);
      if (opening.status === 'fulfilled') [handle, opened] = [opening.value, true];
      else openLost = isConnectionLoss(opening.reason);
      if (linkOr.status === 'fulfilled' && linkOr.value?.isSymbolicLink()) {
        // Written through, as scp -t writes (sftp-links.ts): the temporary file goes beside the file the link leads to.
        if (opened) await this.removeTemp(handle, temp, new Error('the target is a symbolic link'));
        [handle, opened] = [undefined, false];
        path = await throughLinks(this.session, path);
        temp = tempNameFor(path);
        [existingOr, opening] = await Promise.allSettled([this.session.stat(path).catch(absent), this.session.open(temp, 'wx', { mode })]);
        if (opening.status === 'fulfilled') [handle, opened] = [opening.value, true];
      }
      if (existingOr.status === 'rejected') throw existingOr.reason;
      const existing = existingOr.value;
      if (existing?.isDirectory()) throw new ScpipeError('ERR_REMOTE', `${escapeForTerminal(path)}: is a directory`, { path });
      if (opening.status === 'rejected') throw opening.reason;
      if (existing && deniesWrite(existing, await (this.account ??= accountOf(this.session, handle!, temp)))) throw readOnlyError(path);
      // Replacing a file: the bytes on their way are readable by no more than the old file was (a mode-less disk: said at the end).
      if (existing && mode & 0o077 & ~existing.mode) await this.session.fsetstat(handle!, { mode: (mode & existing.mode & 0o777) | 0o600 }, temp).catch(() => undefined);
      await writeFileBody(this.session, handle!, temp, file, this.opts.signal);
      const attrs: InputAttributes = this.opts.preserve ? { mode: file.mode & 0o7777, ...timesAttrs(file.times) } : {};
      if (!this.opts.preserve && existing) attrs.mode = existing.mode & this.modeBits; // scp keeps an existing file's mode, less setuid/setgid
      const closing = handle!;
      handle = undefined;
      // Without -p only an existing file's mode is kept, where the file system has modes (FAT has none: scp warns and stores the file).
      // With -p the file is stored too, and what was not kept said (sftp-preserve.ts).
      let refused: ScpipeError | undefined;
      const keepMode = (err: unknown): void => {
        if (this.opts.preserve) refused = refusal(err);
        else if (isConnectionLoss(err)) throw err;
        else lines.say(`sftp: ${escapeForTerminal(temp)}: the old file's mode could not be kept: ${(err as Error).message}`);
      };
      const [st] = await Promise.all([
        this.session.fstat(closing, temp),
        Object.keys(attrs).length > 0 ? this.session.fsetstat(closing, attrs, temp).catch(keepMode) : undefined,
        this.session.close(closing, temp),
      ]);
      if (st.size !== Number(file.size)) {
        throw new ScpipeError('ERR_REMOTE', `${escapeForTerminal(path)}: the server stored ${st.size} of ${file.size} bytes`, { path });
      }
      const timesKept = refused && (await setTimesAlone(this.session.setstat(temp, timesAttrs(file.times))));
      renaming = true;
      await rename(this.session, { target: path, temp, existingMode: existing ? existing.mode & 0o7777 : undefined }, lines.say);
      lines.say(`sftp: ${escapeForTerminal(path)}: ${file.size} bytes`);
      if (refused) this.reportLocalError(notKept(path, refused, timesKept === true), lines);
      return true;
    } catch (caught) {
      const err = this.opts.signal?.aborted ? abortKeepingWhole(abortError(this.opts.signal), caught, temp) : await explainSftpFailure(this.session, temp, path, caught);
      // put's rename() names the temporary file when it removed the old target but could not rename: it stays.
      const kept = keptWhole(err, temp);
      const left: TempLeft | undefined = renaming ? { path: temp, state: 'renaming', target: path } : undefined;
      const stayed = opened && !kept ? await this.removeTemp(handle, temp, err, lines.say, left) : undefined;
      if (openLost) this.opts.onLeftBehind?.(temp, { path: temp, state: 'empty' }); // a retry removes it
      if (isFatal(err)) throw err;
      const said = asTarget(err as ScpipeError, temp, path);
      this.reportLocalError(withTempsLeft(said, stayed === undefined ? [] : [{ path: temp, state: 'partial', removeFailed: stayed }]), lines);
      return false;
    } finally {
      lines.end();
    }
  }

  async enterDirectory(name: string, mode: number, times?: Times): Promise<boolean> {
    try {
      await this.dirs.enter(name, mode & this.modeBits, times);
      return true;
    } catch (err) {
      if (isFatal(err)) throw err;
      this.reportLocalError(err as ScpipeError);
      return false;
    }
  }

  leaveDirectory(): Promise<void> {
    return this.dirs.leave();
  }

  // Undefined, or why the temporary file stays though the session is alive (a file system gone read-only).
  private async removeTemp(handle: Buffer | undefined, temp: string, why: unknown, trace = this.opts.trace, left?: TempLeft): Promise<string | undefined> {
    const aborted = isScpipeError(why, 'ERR_ABORTED') && this.opts.afterAbort;
    // Ended by another file's clean-up dropping the connection: the file is still there.
    if (this.session.ended && aborted && aborted.dropped) return ((await aborted.settle(temp, undefined)) as Error | undefined)?.message;
    if (this.session.ended) {
      this.opts.onLeftBehind?.(temp, left);
      return undefined;
    }
    const onLive = (async () => {
      if (handle) await this.session.close(handle, temp).catch(() => undefined);
      return this.session.unlink(temp).then(
        () => void trace?.(`sftp: removed ${escapeForTerminal(temp)} (${(why as Error).message})`),
        (err: unknown) => (isScpipeError(err, 'ERR_NO_SUCH_FILE') ? undefined : (err as Error)), // not there: already renamed
      );
    })();
    const kept = aborted ? await aborted.settle(temp, onLive) : await onLive;
    return kept === undefined ? undefined : (kept as Error).message;
  }
}
