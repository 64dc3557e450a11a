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

/** See the file comment; libuv never closes descriptors 0-2, so close() leaves stdin open. */
export class PipeReads {
  private readonly ready: Buffer[] = [];
  private current: Buffer;
  private fill = 0;
  private ended = false;
  private paused = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private readonly socket: Socket;

  /** Reads `fd`, a pipe or socket, into buffers from `take`, each handed out once full (the last as filled). */
  constructor(fd: number, private readonly take: () => Buffer) {
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
      this.ready.push(this.current);
      this.current = this.take();
      this.fill = 0;
      this.wake?.();
    }
    this.paused = this.ready.length >= READ_AHEAD;
    return !this.paused;
  }

  private finish(err?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = err;
    if (!err && this.fill > 0) this.ready.push(this.current.subarray(0, this.fill));
    this.wake?.();
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
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }

  /** Stops reading. */
  close(): void {
    this.ended = true;
    this.socket.destroy();
  }
}
