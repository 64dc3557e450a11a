// One received file on its way to disk (docs/protocol.md §4.3, files):
//   write()   hands chunks to a WriteStream; resolves at once unless its
//             buffer is full (backpressure), so a multi-GB body streams.
//   finish()  after the source's status byte: on success chmod, times,
//             close, rename the temp file over the real name; otherwise
//             remove the temp file, leaving any old file untouched.
//   abort()   the transfer died: remove the temp file.
// A write error (ENOSPC, EIO) does not stop the protocol: the rest of the body
// is accepted and dropped ("Keep reading so we stay sync'd up", §4.3) and
// finish() returns the single error for this file (§3 note_err).
import { createWriteStream, unlinkSync, type WriteStream } from 'node:fs';
import { hostPath } from '../util/byte-text';
import { rename, unlink } from './byte-fs';
import { posix } from 'node:path';
import type { FileWriter, ReceivedTimes } from '../protocol/sink-types';
import type { DirHandle } from './dir-handle';
import { destroyed, fchmodFd, fchownFd, futimesFd } from './fd';
import { joinName } from './join-name';
import { utimesArgs } from './modes';
import { errnoCode, pathError, strerror } from './strerror';
import { roomNote } from './room-note';
import { cancelRemoveAtExit, removeAtExit } from '../spool/exit-cleanup';
import { NameTaken, appendOnlyRefusal, storeNew, type CompareOptions } from './store-new';

const HIGH_WATER_MARK = 1024 * 1024;

/** How a file is written: through a temp file, or straight into a device/FIFO. */
export interface OutputPlan {
  /** The final path, used in messages and as the rename target. */
  path: string;
  /** `path` as given to system calls, when it differs (a name under an open directory, dir-handle.ts). */
  at?: string;
  /** The directory `at` names through, held for this file alone: closed once it is settled. */
  dir?: DirHandle;
  /** The temp file (as `at`) to rename over `path`; undefined when `fd` is `path` itself. */
  tempPath?: string;
  /** Open for writing; from now on owned (and closed) by the OutputFile. */
  fd: number;
  /** Mode to set before the rename; undefined to leave the mode alone. */
  mode?: number;
  /**
   * -p: a mode that cannot be set is an error, as for scp -p and cp -p.
   * Without it the mode only undoes the private temp file's 0600, and a file
   * system without modes (FAT: chmod fails) keeps its own, as scp's would.
   */
  modeRequired?: boolean;
  /**
   * The owner of the file replaced, when it is not ours (root writing into a
   * user's directory): OpenSSH writes into the old file, which keeps its owner;
   * the temp file that replaces it takes it over, or the user loses their file.
   */
  owner?: { uid: number; gid: number };
  /** Times to set once the source's status byte was \0 (-p). */
  times?: ReceivedTimes;
  /** The announced size: anything else is not stored. */
  size: bigint;
  onDone?: (path: string, bytes: bigint) => void;
  /** Store only under a new name, or one holding these very bytes (store-new.ts). */
  newOnly?: boolean;
  /** How a re-sent file is compared with the one under the name (newOnly), maybe GBs: `signal` aborts once the client went away. */
  compare?: CompareOptions;
  /** The temp file holds this many bytes already (a resumed restore): the rest is written after them. */
  start?: bigint;
  /** A failure leaves the temp file, for a later run to resume (get --resume). */
  keep?: boolean;
}

/** The FileWriter of the local sink. */
export class OutputFile implements FileWriter {
  private readonly stream: WriteStream;
  private written = 0n;
  private writeError: unknown;
  private settled = false;
  /** Set by finish() when the data took its name (renamed into place, or written in place) but -p's mode or times did not hold: what, and why. */
  unkept: { what: 'its mode' | 'its times'; why: string } | undefined;
  // A second Ctrl-C exits at once, before abort() ran: the temp file goes then.
  private readonly removeTempAtExit: (() => void) | undefined;

  constructor(private readonly plan: OutputPlan) {
    const { tempPath } = plan;
    this.written = plan.start ?? 0n;
    if (tempPath !== undefined && !plan.keep) {
      this.removeTempAtExit = () => unlinkSync(hostPath(tempPath));
      removeAtExit(this.removeTempAtExit);
    }
    // The stream owns the fd; autoClose false keeps it open after the data
    // for fchmod/futimes, and destroy() closes it (see fd.ts).
    this.stream = createWriteStream(plan.path, { fd: plan.fd, autoClose: false, highWaterMark: HIGH_WATER_MARK, start: plan.start === undefined ? undefined : Number(plan.start) });
    this.stream.on('error', (err) => {
      this.writeError ??= err;
    });
  }

  /** True once a write failed: finish() will report it, later chunks are dropped. */
  get failed(): boolean {
    return this.writeError !== undefined;
  }

  /** The first write error, for the cause of the one finish() reports. */
  get writeFailure(): unknown {
    return this.writeError;
  }

  /** Queues a chunk; it must not be modified before `released` is called (once it is written, failed or dropped). */
  async write(chunk: Buffer, released?: () => void): Promise<void> {
    this.written += BigInt(chunk.length);
    if (this.settled || this.writeError !== undefined || chunk.length === 0) return released?.(); // drop, stay in step
    if (this.stream.write(chunk, released && (() => released()))) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.stream.off('drain', done);
        this.stream.off('close', done);
        this.stream.off('error', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('close', done);
      this.stream.on('error', done);
    });
  }

  /** Stores the file (or not) after the status byte; returns the one error to report. */
  async finish(result: { ok: boolean; sourceError?: string }): Promise<string | undefined> {
    if (this.settled) return undefined;
    this.settled = true;
    await this.flush();
    const { path, fd } = this.plan;
    if (this.writeError === undefined && result.ok && this.written !== this.plan.size) {
      await this.discard();
      return `${path}: received ${this.written} of ${this.plan.size} bytes`;
    }
    let problem: string | undefined;
    let unkept: OutputFile['unkept'];
    if (this.writeError === undefined && result.ok) {
      const { owner } = this.plan;
      if (owner) {
        // Before the chmod, whose bits chown would clear. A file system without owners (FAT) keeps its own, as for the mode.
        await fchownFd(fd, owner.uid, owner.gid).catch(() => undefined);
      }
      // After the data: a write by a non-root owner would clear setuid again.
      if (this.plan.mode !== undefined) {
        await fchmodFd(fd, this.plan.mode).catch((err: unknown) => {
          if (this.plan.modeRequired && problem === undefined) [problem, unkept] = [`${path}: set mode: ${strerror(err)}`, { what: 'its mode', why: strerror(err) }];
        });
      }
      const times = this.plan.times && utimesArgs(this.plan.times);
      if (times) {
        await futimesFd(fd, times[0], times[1]).catch((err: unknown) => {
          if (problem === undefined) [problem, unkept] = [`${path}: set times: ${strerror(err)}`, { what: 'its times', why: strerror(err) }];
        });
      }
      await destroyed(this.stream); // a failing close (NFS, quota) is a write error too
    }
    if (this.writeError !== undefined || !result.ok) {
      const left = await this.discard(); // if the source failed, it has said so; keep the old file
      if (this.writeError === undefined) return undefined;
      // Measured once the temporary file is gone; a device written in place has no room to tell of.
      const room = this.plan.tempPath === undefined ? '' : roomNote(this.writeError, path, this.plan.size);
      return pathError(path, this.writeError) + room + (left ?? '');
    }
    if (this.plan.tempPath !== undefined) {
      try {
        if (this.plan.newOnly) await storeNew(this.plan.tempPath, this.plan.at ?? path, this.plan.compare);
        else await rename(this.plan.tempPath, this.plan.at ?? path);
        if (this.removeTempAtExit) cancelRemoveAtExit(this.removeTempAtExit);
      } catch (err) {
        return this.storeFailure(err) + ((await this.discard()) ?? '');
      }
    }
    this.plan.onDone?.(path, this.written);
    await this.plan.dir?.close();
    this.unkept = unkept;
    return problem; // like OpenSSH: the data is stored, a mode/times failure is still reported
  }

  // Why the rename (or the store under a new name) failed, in the client's words.
  private storeFailure(err: unknown): string {
    const { path } = this.plan;
    if (err instanceof NameTaken) return appendOnlyRefusal(path);
    if (this.plan.compare?.signal?.aborted) return `${path}: not compared to the end: the session ended`;
    return pathError(path, err);
  }

  /** The transfer died mid-file: drop the temp file (a kept one: write out what is queued), keep the old file. */
  async abort(): Promise<void> {
    if (this.settled) return;
    this.settled = true;
    // A kept file keeps every byte handed to it: its note says how many, and the next run reads on from there.
    if (this.plan.keep) await this.flush();
    await this.discard();
  }

  // Waits until every queued chunk is on disk (or failed).
  private async flush(): Promise<void> {
    if (this.writeError !== undefined || this.stream.destroyed) return;
    await new Promise<void>((resolve) => {
      this.stream.end(() => resolve()); // called on 'finish' or with the error (kept by the listener)
    });
  }

  // Undefined, or what to add to the error when the temp file could not be
  // removed (a file system gone read-only after an error): it holds the part received.
  private async discard(): Promise<string | undefined> {
    await destroyed(this.stream);
    const temp = this.plan.tempPath;
    let left: string | undefined;
    if (temp !== undefined && !this.plan.keep) {
      await unlink(temp).catch((err: unknown) => {
          const shown = joinName(posix.dirname(this.plan.path), posix.basename(temp)); // not its /proc/self/fd name
        if (errnoCode(err) !== 'ENOENT') left = `; the partial file is left in ${shown} (removing it failed: ${strerror(err)})`;
      });
    }
    await this.plan.dir?.close();
    if (this.removeTempAtExit) cancelRemoveAtExit(this.removeTempAtExit);
    return left;
  }
}
