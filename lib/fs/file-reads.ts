// A regular file on a descriptor as a Readable, read to its end from a
// position (or from the descriptor's own offset): what fs.createReadStream
// with `{ fd, autoClose: false }` gives, but an SFTP put can have each read
// land in a write request's buffer (fitReads), where a ReadStream's fresh
// 256 KiB reads were copied into the 255 KiB requests (docs/performance.md §3).
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
          this.push(bytesRead === length ? buffer : buffer.subarray(0, bytesRead));
        });
      }),
    );
  }
}
