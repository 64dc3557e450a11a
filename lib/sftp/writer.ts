// The pipelined SFTP writer: the stream goes out as write requests at
// increasing offsets, many in flight at once, spread over one or more lanes
// (a lane is an SFTP session, that is a channel, with its own handle on the
// same file). ssh2's createWriteStream keeps one request in flight; this keeps
// up to `maxHeld` bytes unacknowledged (docs/protocol.md §10), which is also
// the bound on memory: the ledger holds each chunk until it and everything
// before it are acknowledged. When a write fails because the session went
// away, `recover` (when given) brings new lanes on a file truncated to the
// resume point, and every held chunk goes again. A lane lost while nothing
// is in flight (the input is slow) fails the upload at once, the same way.
import { ScpipeError, asScpipeError } from '../errors';
import { WriteLedger, type HeldChunk } from './ledger';
import type { SftpSession } from './session';

/** An SFTP session with an open handle on the file being written. */
export interface WriteLane {
  session: SftpSession;
  handle: Buffer;
}

/** Options of PipelinedWriter. */
export interface WriterOptions {
  /** The remote path, for messages. */
  path: string;
  /** Request size (the smallest of the lanes' max write). */
  pieceSize: number;
  /** Bytes held (in flight, or acknowledged above an unacknowledged one) before write() waits. */
  maxHeld: number;
  /** After a lost session: new lanes on the file truncated to `resumePoint`; throws to give up. */
  recover?: (failure: ScpipeError, resumePoint: number) => Promise<WriteLane[]>;
  /** Acknowledged bytes so far (the resume point), after each acknowledgement. */
  onAck?: (resumePoint: number) => void;
  /** The upload failed for good (also while the caller waits for input, not in write()). */
  onFatal?: (err: ScpipeError) => void;
  /** A chunk is acknowledged with everything before it: its buffer is no longer held. */
  onRelease?: (data: Buffer) => void;
}

interface LaneState extends WriteLane {
  inFlight: number;
  generation: number;
}

/** See the file comment. */
export class PipelinedWriter {
  readonly ledger = new WriteLedger();
  private lanes: LaneState[] = [];
  private generation = 0;
  private failure: ScpipeError | undefined;
  private fatal: ScpipeError | undefined;
  private recovery: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private unwatch: (() => void)[] = [];
  private flushed = false;

  constructor(lanes: WriteLane[], private readonly opts: WriterOptions) {
    this.useLanes(lanes);
  }

  /** Queues `data`; resolves when there is room for more. Rejects once the upload failed. */
  async write(data: Uint8Array): Promise<void> {
    if (data.length === 0) return;
    this.pending.push(Buffer.from(data.buffer, data.byteOffset, data.length));
    this.pendingBytes += data.length;
    while (this.pendingBytes >= this.opts.pieceSize) {
      await this.room();
      this.send(this.ledger.take(this.cut(this.opts.pieceSize)));
    }
  }

  /**
   * Sends `piece` (at most pieceSize bytes) as one request as it is, without
   * the copy write() may make; not after a write() that left bytes queued.
   */
  async writePiece(piece: Buffer): Promise<void> {
    if (this.pendingBytes > 0) throw usage(`writePiece() after write() left ${this.pendingBytes} bytes queued: send a stream with one or the other`);
    if (piece.length > this.opts.pieceSize) throw usage(`writePiece(): a piece of ${piece.length} bytes is over pieceSize (${this.opts.pieceSize})`);
    if (piece.length === 0) return;
    await this.room();
    this.send(this.ledger.take(piece));
  }

  /** Sends what is queued and waits until every byte is acknowledged. */
  async flush(): Promise<void> {
    if (this.pendingBytes > 0) {
      await this.room();
      this.send(this.ledger.take(this.cut(this.pendingBytes)));
    }
    for (;;) {
      await this.settleFailure();
      if (this.ledger.settled) break;
      await this.nextEvent();
    }
    // Done: the caller closes the lanes, and their end is not a loss.
    this.flushed = true;
    this.stopWatching();
  }

  /** Bytes taken from the stream so far. */
  get bytes(): number {
    return this.ledger.taken + this.pendingBytes;
  }

  /** The lanes in use (after a recovery, the new ones). */
  get currentLanes(): WriteLane[] {
    return this.lanes;
  }

  /**
   * A request failed: a lost session starts the recovery at once (when there
   * is a `recover`), anything else stops the upload; later writes fail.
   */
  fail(err: ScpipeError): void {
    if (this.fatal !== undefined || this.failure !== undefined) return;
    this.failure = err;
    // After flush() every byte is acknowledged: nothing to send again.
    if (err.code === 'ERR_LOST_CONNECTION' && this.opts.recover && !this.flushed) {
      // Cleared only if still this one's: new lanes lost at once have begun the next.
      const recovery: Promise<void> = this.recover(err).then(
        () => {
          if (this.recovery === recovery) this.recovery = undefined;
        },
        (e: unknown) => this.giveUp(e instanceof ScpipeError ? e : err),
      );
      this.recovery = recovery;
    } else this.giveUp(err);
    this.wake?.();
  }

  private giveUp(err: ScpipeError): void {
    this.fatal ??= err;
    this.stopWatching();
    this.recovery = undefined;
    this.opts.onFatal?.(this.fatal);
    this.wake?.();
  }

  private async recover(failure: ScpipeError): Promise<void> {
    const lanes = await this.opts.recover!(failure, this.ledger.resumePoint);
    this.useLanes(lanes);
    this.failure = undefined;
    for (const chunk of this.ledger.rewind()) this.send(chunk);
    this.wake?.();
  }

  private useLanes(lanes: WriteLane[]): void {
    if (lanes.length === 0) throw usage('no lanes: give at least one WriteLane (a session and a handle open on the file)');
    this.generation++;
    this.lanes = lanes.map((l) => ({ ...l, inFlight: 0, generation: this.generation }));
    this.stopWatching();
    const generation = this.generation;
    this.unwatch = lanes.map((l) =>
      l.session.onLost(this.opts.path, (err) => {
        if (generation === this.generation) this.fail(err); // flush() stops the watching
      }),
    );
  }

  private stopWatching(): void {
    for (const stop of this.unwatch) stop();
    this.unwatch = [];
  }

  // The first `n` queued bytes as one buffer (copied only when they span chunks).
  private cut(n: number): Buffer {
    const first = this.pending[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.pending.shift();
      else this.pending[0] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let filled = 0;
      while (filled < n) {
        const head = this.pending[0]!;
        const take = Math.min(head.length, n - filled);
        head.copy(out, filled, 0, take);
        filled += take;
        if (take === head.length) this.pending.shift();
        else this.pending[0] = head.subarray(take);
      }
    }
    this.pendingBytes -= n;
    return out;
  }

  private async room(): Promise<void> {
    for (;;) {
      await this.settleFailure();
      if (this.ledger.heldBytes < this.opts.maxHeld) return;
      await this.nextEvent();
    }
  }

  // Resolves on the next acknowledgement or failure (at once if one came meanwhile).
  private nextEvent(): Promise<void> {
    if (this.fatal !== undefined) return Promise.resolve();
    return new Promise<void>((resolve) => (this.wake = resolve));
  }

  // Throws once the upload failed for good; waits out a recovery under way.
  private async settleFailure(): Promise<void> {
    while (this.recovery !== undefined) await this.recovery;
    if (this.fatal !== undefined) throw this.fatal;
  }

  private send(chunk: HeldChunk): void {
    let lane = this.lanes[0]!;
    for (const l of this.lanes) if (l.inFlight < lane.inFlight) lane = l;
    lane.inFlight += chunk.data.length;
    lane.session.write(lane.handle, chunk.data, chunk.offset, this.opts.path).then(
      () => {
        if (lane.generation !== this.generation) return; // a lane given up after a loss
        // After a loss, another lane's answers are not taken: the file is cut back to the
        // resume point of the loss, so what they acknowledge goes again (docs/protocol.md §10).
        if (this.failure !== undefined) return;
        lane.inFlight -= chunk.data.length;
        const released = this.ledger.ack(chunk.offset);
        try {
          if (this.opts.onRelease) for (const c of released) this.opts.onRelease(c.data);
          this.opts.onAck?.(this.ledger.resumePoint);
        } catch (err) {
          // A caller's callback (onProgress) that throws stops the upload: thrown here it
          // was an unhandled rejection, and the writer waited for a wake that never came.
          this.fail(asScpipeError(err));
        }
        this.wake?.();
      },
      (err: ScpipeError) => {
        if (lane.generation !== this.generation) return;
        this.fail(err);
      },
    );
  }
}

// A caller's misuse of this public class (index.ts exports it).
function usage(what: string): ScpipeError {
  return new ScpipeError('ERR_USAGE', `PipelinedWriter: ${what}`);
}
