// What a Readable that reads a file into buffers of its own shares, whether
// a spool file's replay (spool/replay.ts) or a regular file on a descriptor
// (file-reads.ts): reads an SFTP put can fit to its write requests, and a
// destroy that waits for the read in progress.
import { Readable } from 'node:stream';
import { BODY_CHUNK } from '../util/body-chunk';

export abstract class FittedReads extends Readable {
  /** The longest read; the next read's buffer comes from readInto. */
  protected chunk = BODY_CHUNK;
  private reading: Promise<unknown> | null = null;

  constructor(
    highWaterMark: number,
    // Memory to read into; fresh by default.
    protected readInto: (length: number) => Buffer = (length) => Buffer.allocUnsafeSlow(length),
  ) {
    super({ highWaterMark });
  }

  /**
   * From the next read on, reads of at most `size` bytes into `into`'s memory.
   * An SFTP put (client/sftp-pieces.ts) asks for its write size, so that each
   * read goes out as one request as it is, not copied into one; `giveBack`
   * takes back a buffer no read filled.
   */
  fitReads(size: number, into: (length: number) => Buffer, giveBack: (buffer: Buffer) => void = () => undefined): void {
    this.chunk = size;
    this.readInto = into;
    this.unused = giveBack;
  }

  /** A buffer of readInto that no read filled (the end, an error): back to its lender's pool. */
  protected unused: (buffer: Buffer) => void = () => undefined;

  /** Marks `read` as in progress until it settles, so that a destroy waits for it. */
  protected track(read: Promise<unknown>): void {
    const settled = read.then(
      () => undefined,
      () => undefined,
    );
    this.reading = settled;
    void settled.then(() => {
      if (this.reading === settled) this.reading = null;
    });
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    if (this.reading) void this.reading.then(() => callback(err));
    else callback(err);
  }
}
