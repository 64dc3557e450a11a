// A pipe or socket on stdin read by a socket of our own whose reads land
// straight in the buffer being filled (net.Socket's `onread`): no buffer per
// read, no stream machinery, no copy. Through process.stdin every read (64 KiB,
// a pipe's size) is a fresh buffer: its page faults and the full collections
// that garbage outside the heap brings made it 3-4 times the CPU
// (docs/performance.md §3). The buffers come from the caller (`take`), who
// fills them again once done: an SFTP put's write requests, a parts set's blocks.
import { Socket } from 'node:net';

/** Buffers filled ahead of the reader before reading pauses. */
const READ_AHEAD = 2;

/** How PipeReads hands its buffers out. */
export interface PipeReadsOptions {
  /**
   * Hand out what a buffer holds so far when the reader waits for it, and
   * fill the rest of it after: a parts set cuts a part as its last byte
   * comes, however slowly the producer writes (an SFTP put waits for a full
   * request instead). Each buffer's bytes are then handed out in pieces;
   * with want(), only once they are as many as the reader still needs.
   */
  eager?: boolean;
  /** At the end of the input: the last buffer taken and how much of it was filled. */
  onEnd?: (buffer: Buffer, filled: number) => void;
}

/** See the file comment; libuv never closes descriptors 0-2, so close() leaves stdin open. */
export class PipeReads {
  private readonly ready: Buffer[] = [];
  private current: Buffer;
  private fill = 0;
  private handed = 0; // eager: the bytes of `current` handed out already
  private wanted = 1; // eager: the fewest bytes handed out before `current` is full
  private ended = false;
  private paused = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private readonly socket: Socket;

  /** Reads `fd`, a pipe or socket, into buffers from `take`, each handed out once full (the last as filled), or sooner when `eager`. */
  constructor(
    fd: number,
    private readonly take: () => Buffer,
    private readonly opts: PipeReadsOptions = {},
  ) {
    this.current = take();
    // Node documents `onread` for connect(); its Socket constructor takes it too (since Node 12).
    const onread = { buffer: () => this.current.subarray(this.fill), callback: (n: number) => this.onRead(n) };
    this.socket = new Socket({ fd, readable: true, writable: false, onread } as ConstructorParameters<typeof Socket>[0]);
    this.socket.on('end', () => this.finish());
    this.socket.on('error', (err) => this.finish(err));
  }

  // Returns false to pause: READ_AHEAD buffers wait for the reader.
  private onRead(n: number): boolean {
    this.fill += n;
    if (this.fill === this.current.length) {
      this.ready.push(this.handed === 0 ? this.current : this.current.subarray(this.handed));
      this.current = this.take();
      this.fill = 0;
      this.handed = 0;
      this.wake?.();
    } else if (this.opts.eager && this.wake && this.fill - this.handed >= this.wanted) {
      this.ready.push(this.handOut());
      this.wake();
    }
    this.paused = this.ready.length >= READ_AHEAD;
    return !this.paused;
  }

  private finish(err?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = err;
    if (!err && this.fill > this.handed) this.ready.push(this.handOut());
    if (!err) this.opts.onEnd?.(this.current, this.fill);
    this.wake?.();
  }

  // The bytes of `current` read since it was last handed out.
  private handOut(): Buffer {
    const piece = this.current.subarray(this.handed, this.fill);
    this.handed = this.fill;
    return piece;
  }

  /** The next buffer, full but for the last; undefined at the end. Rejects with the read's error. */
  async next(): Promise<Buffer | undefined> {
    for (;;) {
      const filled = this.ready.shift();
      if (filled) {
        if (this.paused && !this.ended) {
          this.paused = false;
          this.socket.resume(); // starts reading again (the stream's own state never paused)
        }
        return filled;
      }
      if (this.failure) throw this.failure;
      if (this.ended) return undefined;
      if (this.opts.eager && this.fill - this.handed >= this.wanted) return this.handOut();
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }

  /**
   * Eager: the reader needs `bytes` more to finish what it is doing (a part),
   * so fewer are not handed out before the buffer is full or the input ends.
   * A fast producer's buffers then go whole, not in a piece per read: each
   * piece costs the parts' writer, spool and hashing thread their own work.
   */
  want(bytes: number): void {
    this.wanted = Math.max(1, bytes);
  }

  /** Stops reading. */
  close(): void {
    this.ended = true;
    this.socket.destroy();
  }
}
