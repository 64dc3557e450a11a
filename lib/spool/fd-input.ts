// Reads a file descriptor (stdin as a pipe) with read(2) into 1 MiB blocks
// that it hands out whole, instead of through process.stdin, which allocates
// a fresh 64 KiB Buffer per read. Whole blocks are kept by the RAM spool as
// they are (no copy), and once the spool file has written a block the spool
// gives it back (recycle), so a multi-GB stream is read through a handful of
// buffers instead of leaving a GB of garbage for the collector: uncollected
// garbage is resident memory (it kept a 64 MiB spool ~40 MiB over its budget).
import { read } from 'node:fs';

/** Size of the blocks read and handed out. */
export const FD_BLOCK = 1024 * 1024;

// A descriptor someone made non-blocking answers EAGAIN when empty: wait and retry.
const EAGAIN_WAIT_MS = 10;
const POOL_MAX = 4;

/** A file descriptor as an async iterable of whole 1 MiB blocks (the last one shorter). */
export class FdInput implements AsyncIterable<Buffer> {
  private readonly pool: Buffer[] = [];

  constructor(readonly fd: number) {}

  /** Gives back a block the consumer is done with, for reuse. */
  recycle(buffers: readonly Buffer[]): void {
    for (const b of buffers) {
      if (b.length === FD_BLOCK && b.byteOffset === 0 && b.buffer.byteLength === FD_BLOCK && this.pool.length < POOL_MAX) this.pool.push(b);
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    for (;;) {
      const block = this.pool.pop() ?? Buffer.allocUnsafeSlow(FD_BLOCK);
      let filled = 0;
      while (filled < FD_BLOCK) {
        const n = await this.readInto(block, filled);
        if (n === 0) break;
        filled += n;
      }
      if (filled === FD_BLOCK) yield block;
      else {
        if (filled > 0) yield block.subarray(0, filled);
        return;
      }
    }
  }

  private readInto(block: Buffer, offset: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const attempt = (): void =>
        read(this.fd, block, offset, FD_BLOCK - offset, null, (err, n) => {
          if (!err) return resolve(n);
          if (err.code === 'EAGAIN') return void setTimeout(attempt, EAGAIN_WAIT_MS);
          reject(err);
        });
      attempt();
    });
  }
}
