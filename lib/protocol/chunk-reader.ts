// Reads a Readable one chunk at a time, each as its producer pushed it.
//
// Why not `readable.iterator()`: in paused mode it calls `read()`, which
// returns everything buffered as one Buffer, a fresh copy whenever more than
// one chunk is waiting. On a download that is nearly every time: a socket
// read of 64 KiB holds two SSH packets of 32 KiB, ssh2 pushes each, and the
// iterator copied them back together (docs/performance.md §3). Here the
// stream flows, its chunks are
// queued as they are, and it is paused while the queue holds `highWaterMark`
// bytes or more, so backpressure still reaches the producer (for an ssh2
// channel: no window refill while the reader is behind).
import { finished, type Readable } from 'node:stream';

// Chunks handed out before the queue's array is cut down to those still
// waiting (the copy costs one pointer per waiting chunk, so it is amortized).
const COMPACT_AFTER = 1024;

/** An AsyncIterator over a Readable's chunks that never copies them. */
export class ChunkReader implements AsyncIterator<Buffer> {
  private queue: Buffer[] = [];
  private head = 0; // index of the next chunk to hand out
  private queued = 0; // bytes in the queue
  private ended = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private readonly limit: number;

  /** Starts reading `stream` (it flows from now on). */
  constructor(private readonly stream: Readable, highWaterMark = stream.readableHighWaterMark) {
    this.limit = Math.max(1, highWaterMark);
    stream.on('data', (chunk: Buffer) => {
      if (chunk.length === 0) return;
      this.queue.push(chunk);
      this.queued += chunk.length;
      if (this.queued >= this.limit) stream.pause();
      this.notify();
    });
    // Only the readable side: a duplex channel's stdin stays open after EOF.
    finished(stream, { writable: false }, (err) => {
      this.ended = true;
      if (err) {
        this.failure = err;
        this.queue = []; // as the stream's own iterator: nothing after a failure
        this.head = 0;
      }
      this.notify();
    });
    stream.resume();
  }

  /**
   * The next chunk; done once the stream has ended and every chunk is out.
   * On an error, or a stream destroyed before its end
   * (ERR_STREAM_PREMATURE_CLOSE), the chunks still queued are dropped and
   * next() rejects with it.
   */
  async next(): Promise<IteratorResult<Buffer>> {
    for (;;) {
      if (this.head < this.queue.length) return { value: this.shift(), done: false };
      if (this.ended) {
        if (this.failure) throw this.failure;
        return { value: undefined, done: true };
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private shift(): Buffer {
    const chunk = this.queue[this.head]!;
    this.head += 1;
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head >= COMPACT_AFTER && this.head * 2 >= this.queue.length) {
      // A reader slower than the stream keeps the queue near its limit, never
      // empty: without this, every chunk handed out stayed referenced from
      // the front of the array, and a download's whole size stayed in memory.
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.queued -= chunk.length;
    if (this.queued < this.limit && this.stream.isPaused() && !this.ended) this.stream.resume();
    return chunk;
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
