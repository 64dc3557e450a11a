// A regular file on a descriptor as a Readable, read to its end from a
// position (or from the descriptor's own offset): what fs.createReadStream
// with `{ fd, autoClose: false }` gives, but an SFTP put can have each read
// land in a write request's buffer (fitReads), where a ReadStream's fresh
// 256 KiB reads were copied into the 255 KiB requests (docs/performance.md §3).
import type { Hash } from 'node:crypto';
import { read } from 'node:fs';
import { BODY_CHUNK } from '../util/body-chunk';
import { FittedReads } from './fitted-reads';

/**
 * Reads `fd` from `start` (undefined: its current offset) until a read
 * returns nothing, `highWaterMark` bytes at a time into fresh buffers. Never
 * closes the descriptor; destroying it waits for a read in progress, so once
 * it has emitted 'close' it no longer uses the descriptor.
 */
export class FileReads extends FittedReads {
  private position: number | null;
  private sum: { hash: Hash; left: bigint } | undefined;

  constructor(
    readonly fd: number,
    start?: number,
    highWaterMark = BODY_CHUNK,
  ) {
    super(highWaterMark);
    // A small file's reads at its size: one of 256 KiB per file made 5,000 files mostly garbage collection.
    this.chunk = highWaterMark;
    this.position = start ?? null;
  }

  /**
   * Adds the first `size` bytes read to `sum` as each read lands, before it
   * is pushed (reads come one at a time, in order): a checksum that leaves
   * the stream itself to the upload, whose reads it may fit (fitReads).
   */
  hashFirst(size: bigint, sum: Hash): void {
    this.sum = { hash: sum, left: size };
  }

  override _read(): void {
    const length = this.chunk;
    const buffer = this.readInto(length);
    this.track(
      new Promise<void>((resolve) => {
        read(this.fd, buffer, 0, length, this.position, (err, bytesRead) => {
          resolve();
          if (this.destroyed || err || bytesRead === 0) this.unused(buffer);
          if (this.destroyed) return;
          if (err) {
            this.destroy(err);
            return;
          }
          if (bytesRead === 0) {
            this.push(null);
            return;
          }
          if (this.position !== null) this.position += bytesRead;
          const data = bytesRead === length ? buffer : buffer.subarray(0, bytesRead);
          this.hash(data);
          this.push(data);
        });
      }),
    );
  }

  private hash(data: Buffer): void {
    const sum = this.sum;
    if (sum === undefined || sum.left === 0n) return;
    const taken = BigInt(data.length) <= sum.left ? data : data.subarray(0, Number(sum.left));
    sum.left -= BigInt(taken.length);
    sum.hash.update(taken);
  }
}
