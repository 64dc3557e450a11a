// The Spool that pass 1 yields: the bytes in RAM or in the spool file, with
// their exact size, replayable (pass 2) until disposed.
import type { Readable } from 'node:stream';
import { ScpipeError, throwIfAborted } from '../errors';
import { BODY_CHUNK } from '../util/body-chunk';
import { destroyOnAbort, FileReplay, MemoryReplay } from './replay';
import type { SpoolFile } from './spool-file';

/** Options of Spool.replay(). */
export interface ReplayOptions {
  /** Destroys the replay stream with abortError(signal) when it fires. */
  signal?: AbortSignal;
  /** Bytes the stream buffers ahead of its consumer (default BODY_CHUNK, 256 KiB). */
  highWaterMark?: number;
  /**
   * Memory for a spool file's reads, each emitted as the whole of what it
   * gave (default: fresh memory for each); a pool may lend memory its
   * consumer gave back once done with an earlier chunk.
   */
  readInto?: (length: number) => Buffer;
}

/** The bytes spool() took, with their exact size, replayable until disposed. */
export interface Spool {
  /** Exact number of bytes taken. */
  readonly size: bigint;
  /** True when the bytes are in a temporary file on disk rather than in RAM (or a memory file). */
  readonly onDisk: boolean;
  /**
   * The spool file's path while it still exists on disk. Informational: on
   * Linux the file never has a name, and elsewhere on POSIX it is unlinked as
   * soon as it is opened, so this is undefined.
   */
  readonly path?: string | undefined;
  /**
   * A new Readable of exactly the bytes taken, from the start; may be called
   * any number of times (e.g. to retry), also concurrently. Emitted chunks
   * are the spool's own memory: do not modify them. Throws once disposed.
   */
  replay(opts?: ReplayOptions): Readable;
  /**
   * Releases the RAM or closes and removes the file. Replays still open are
   * destroyed first (with an ERR_SPOOL error if they have an 'error'
   * listener). Idempotent; also available as `Symbol.asyncDispose`.
   */
  dispose(): Promise<void>;
}

abstract class SpoolBase implements Spool {
  abstract readonly onDisk: boolean;
  readonly size: bigint;
  private readonly replays = new Set<Readable>();
  private disposing: Promise<void> | null = null;

  constructor(protected readonly length: number) {
    this.size = BigInt(length);
  }

  get path(): string | undefined {
    return undefined;
  }

  replay(opts: ReplayOptions = {}): Readable {
    if (this.disposing) throw new ScpipeError('ERR_SPOOL', 'the spool has been disposed');
    throwIfAborted(opts.signal);
    const highWaterMark = opts.highWaterMark ?? BODY_CHUNK;
    if (!Number.isSafeInteger(highWaterMark) || highWaterMark < 1) {
      throw new ScpipeError('ERR_USAGE', `bad replay highWaterMark: ${String(highWaterMark)}`);
    }
    const stream = this.open(highWaterMark, opts.readInto);
    this.replays.add(stream);
    stream.once('close', () => this.replays.delete(stream));
    destroyOnAbort(stream, opts.signal);
    return stream;
  }

  dispose(): Promise<void> {
    this.disposing ??= this.disposeOnce();
    return this.disposing;
  }

  protected abstract open(highWaterMark: number, readInto?: (length: number) => Buffer): Readable;
  protected abstract release(): Promise<void>;

  private async disposeOnce(): Promise<void> {
    const closed = [...this.replays].map(
      (stream) =>
        new Promise<void>((resolve) => {
          stream.once('close', () => resolve());
          // No 'error' listener: destroy quietly rather than crash the process.
          const error = new ScpipeError('ERR_SPOOL', 'the spool was disposed during a replay');
          stream.destroy(stream.listenerCount('error') > 0 ? error : undefined);
        }),
    );
    await Promise.all(closed);
    await this.release();
  }
}

const asyncDispose = (Symbol as unknown as { asyncDispose?: symbol }).asyncDispose;
if (typeof asyncDispose === 'symbol') {
  Object.defineProperty(SpoolBase.prototype, asyncDispose, {
    value: function (this: SpoolBase): Promise<void> {
      return this.dispose();
    },
    writable: true,
    configurable: true,
  });
}

export class MemorySpool extends SpoolBase {
  readonly onDisk = false;

  constructor(
    private chunks: readonly Buffer[],
    length: number,
  ) {
    super(length);
  }

  protected open(highWaterMark: number): Readable {
    return new MemoryReplay(this.chunks, highWaterMark);
  }

  protected async release(): Promise<void> {
    this.chunks = [];
  }
}

/** Bytes kept in a file: the spool file on disk, or the memory file (memory-file.ts). */
export class FileSpool extends SpoolBase {
  constructor(
    private readonly file: SpoolFile,
    length: number,
    /** False for a memory file. */
    readonly onDisk = true,
  ) {
    super(length);
  }

  override get path(): string | undefined {
    return this.file.path;
  }

  protected open(highWaterMark: number, readInto?: (length: number) => Buffer): Readable {
    return new FileReplay(this.file, this.length, highWaterMark, readInto);
  }

  protected release(): Promise<void> {
    return this.file.close();
  }
}
