// The Readables that replay a spool (pass 2): from chunks held in RAM, or
// from the spool file by positional reads through its shared descriptor.
// Both are ordinary pull streams, so they go exactly as fast as their
// consumer reads, and each call makes an independent stream from byte 0.
// Chunks and reads are BODY_CHUNK bytes at most (lib/util/body-chunk.ts).
import { Readable } from 'node:stream';
import { abortError, ScpipeError } from '../errors';
import { BODY_CHUNK } from '../util/body-chunk';
import { escapeForTerminal } from '../util/escape';
import { describeIoError } from '../fs/strerror';
import { formatBytes } from './size';
import type { SpoolFile } from './spool-file';
import { onAbort } from '../util/abort';
import { FittedReads } from '../fs/fitted-reads';

/**
 * Replays chunks held in RAM, as views of at most BODY_CHUNK bytes (no copies).
 * Consumers must not modify the chunks they receive: they are the spool.
 */
export class MemoryReplay extends Readable {
  private index = 0;
  private offset = 0;

  constructor(
    private chunks: readonly Buffer[],
    highWaterMark: number,
  ) {
    super({ highWaterMark });
  }

  override _read(): void {
    const chunks = this.chunks;
    while (this.index < chunks.length) {
      const chunk = chunks[this.index]!;
      const end = Math.min(chunk.length, this.offset + BODY_CHUNK);
      const view = this.offset === 0 && end === chunk.length ? chunk : chunk.subarray(this.offset, end);
      if (end === chunk.length) {
        this.index++;
        this.offset = 0;
      } else {
        this.offset = end;
      }
      if (!this.push(view)) return;
    }
    this.push(null);
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.chunks = [];
    callback(err);
  }
}

/**
 * Replays `size` bytes of a spool file, reading BODY_CHUNK bytes at a time at
 * explicit positions straight into the buffers it emits. Destroying it waits
 * for a read in progress, so once it has emitted 'close' it no longer uses
 * the descriptor.
 */
export class FileReplay extends FittedReads {
  private position = 0;

  constructor(
    private readonly file: SpoolFile,
    private readonly size: number,
    highWaterMark: number,
    // Memory to read into (spools.ts ReplayOptions.readInto); fresh by default.
    readInto?: (length: number) => Buffer,
  ) {
    super(highWaterMark, readInto);
  }

  override _read(): void {
    const length = Math.min(this.chunk, this.size - this.position);
    if (length <= 0) {
      this.push(null);
      return;
    }
    const buffer = this.readInto(length);
    this.track(
      this.file.read(buffer, length, this.position).then(
        (bytesRead) => {
          if (this.destroyed || bytesRead === 0) this.unused(buffer);
          if (this.destroyed) return;
          if (bytesRead === 0) {
            this.destroy(this.readError(new Error('the spool file is shorter than what was written')));
            return;
          }
          this.position += bytesRead;
          this.push(bytesRead === length ? buffer : buffer.subarray(0, bytesRead));
          if (this.position === this.size) this.push(null);
        },
        (err: unknown) => {
          this.unused(buffer);
          if (!this.destroyed) this.destroy(this.readError(err));
        },
      ),
    );
  }

  private readError(cause: unknown): ScpipeError {
    return new ScpipeError(
      'ERR_SPOOL',
      `cannot read spool file in ${escapeForTerminal(this.file.dir)}: ${describeIoError(cause)} ` +
        `(at ${formatBytes(this.position)})`,
      { path: this.file.dir, bytes: BigInt(this.position), cause },
    );
  }
}

/** Destroys `stream` with abortError(signal) when `signal` fires; forgets the signal once the stream closes. */
export function destroyOnAbort(stream: Readable, signal: AbortSignal | undefined): void {
  stream.once('close', onAbort(signal, () => stream.destroy(abortError(signal))));
}
