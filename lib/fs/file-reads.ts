// A regular file on a descriptor as a Readable, read to its end from a
// position (or from the descriptor's own offset): what fs.createReadStream
// with `{ fd, autoClose: false }` gives, but an SFTP put can have each read
// land in a write request's buffer (fitReads), where a ReadStream's fresh
// 256 KiB reads were copied into the 255 KiB requests (docs/performance.md §3).
import { read } from 'node:fs';
import { Readable } from 'node:stream';
import { BODY_CHUNK } from '../util/body-chunk';

/**
 * Reads `fd` from `start` (undefined: its current offset) until a read
 * returns nothing, BODY_CHUNK bytes at a time into fresh buffers. Never
 * closes the descriptor; destroying it waits for a read in progress, so once
 * it has emitted 'close' it no longer uses the descriptor.
 */
export class FileReads extends Readable {
  private position: number | null;
  private reading: Promise<void> | null = null;
  private chunk = BODY_CHUNK;
  private readInto: (length: number) => Buffer = (length) => Buffer.allocUnsafeSlow(length);

  constructor(
    readonly fd: number,
    start?: number,
    highWaterMark = BODY_CHUNK,
  ) {
    super({ highWaterMark });
    this.position = start ?? null;
  }

  /** From the next read on, reads of at most `size` bytes into `into`'s memory (as FileReplay.fitReads). */
  fitReads(size: number, into: (length: number) => Buffer): void {
    this.chunk = size;
    this.readInto = into;
  }

  override _read(): void {
    const length = this.chunk;
    const buffer = this.readInto(length);
    this.reading = new Promise((resolve) => {
      read(this.fd, buffer, 0, length, this.position, (err, bytesRead) => {
        this.reading = null;
        resolve();
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
    });
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    if (this.reading) void this.reading.then(() => callback(err));
    else callback(err);
  }
}
