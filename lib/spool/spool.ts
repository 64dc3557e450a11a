// Pass 1 of sending a stream of unknown size over SCP, which must announce
// the size before the bytes: spool() takes the whole input, keeping it in RAM
// up to a limit and spilling it to a private temporary file beyond that, and
// yields a Spool that knows the exact size and can replay the bytes (pass 2)
// as often as needed.
import * as os from 'node:os';
import type { Readable } from 'node:stream';
import { ScpipeError, throwIfAborted } from '../errors';
import { ChunkList } from './chunks';
import { destroyOnAbort, FileReplay, MemoryReplay, READ_BLOCK } from './replay';
import { SpoolFile } from './spool-file';
import { SpoolWriter } from './writer';
import { closeInput, openInput, pull, toBuffer } from './input';
import { Interrupt, Progress } from './control';

/** Bytes kept in RAM before spilling to disk when SpoolOptions.memoryLimit is not given (64 MiB). */
export const DEFAULT_MEMORY_LIMIT = 64 * 1024 * 1024;


/** How spool() takes its input. */
export interface SpoolOptions {
  /**
   * Bytes kept in RAM before spilling to a file (default DEFAULT_MEMORY_LIMIT).
   * Exactly this many stay in RAM; one more spills. 0 = always spill (an empty
   * input never creates a file).
   */
  memoryLimit?: number;
  /** Directory for the spool file; default `process.env.TMPDIR || os.tmpdir()`. */
  spoolDir?: string;
  /** Aborts the spooling: spool() then rejects with abortError(signal). */
  signal?: AbortSignal;
  /** Bytes taken so far; called at most every ~100 ms, and once at the end. */
  onProgress?: (bytes: bigint) => void;
}

/** Options of Spool.replay(). */
export interface ReplayOptions {
  /** Destroys the replay stream with abortError(signal) when it fires. */
  signal?: AbortSignal;
  /** Bytes the stream buffers ahead of its consumer (default 1 MiB). */
  highWaterMark?: number;
}

/** The bytes spool() took, with their exact size, replayable until disposed. */
export interface Spool {
  /** Exact number of bytes taken. */
  readonly size: bigint;
  /** True when the bytes are in a temporary file rather than in RAM. */
  readonly onDisk: boolean;
  /**
   * The spool file's path while it still exists on disk. Informational: on
   * POSIX the file is unlinked as soon as it is opened, so this is undefined.
   */
  readonly path?: string;
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

/**
 * Takes all of `input`, measuring it into RAM and spilling to a file beyond
 * `memoryLimit`, and resolves with the Spool. Reads the input no faster than
 * the disk accepts it.
 *
 * Rejects with ScpipeError: ERR_SPOOL when the spool file cannot be created or
 * written (disk full, permissions, missing directory), ERR_LOCAL_IO when the
 * input fails, abortError(signal) when aborted, ERR_USAGE for bad options. On
 * any failure, everything is cleaned up before the promise rejects (no file
 * left, no listener on the signal) and the input is read no further: its
 * async iterator is returned, which for a Node Readable destroys the stream
 * (standard `for await` behaviour; for a stalled stream, once its pending
 * read settles). The input must not change a chunk after yielding it.
 */
export async function spool(
  input: Readable | AsyncIterable<Uint8Array>,
  opts: SpoolOptions = {},
): Promise<Spool> {
  const memoryLimit = checkMemoryLimit(opts.memoryLimit);
  const dir = opts.spoolDir ?? (process.env['TMPDIR'] || os.tmpdir());
  const { signal } = opts;
  throwIfAborted(signal);
  const iterator = openInput(input);
  const interrupt = new Interrupt(signal);
  const progress = new Progress(opts.onProgress);

  let taken = 0;
  let ram: ChunkList | null = new ChunkList();
  let file: SpoolFile | null = null;
  let writer: SpoolWriter | null = null;
  try {
    for (;;) {
      interrupt.check();
      const next = await interrupt.race(pull(iterator, taken));
      if (next.done) break;
      const chunk = toBuffer(next.value, taken);
      if (chunk.length === 0) continue;
      taken += chunk.length;
      if (writer !== null) {
        writer.push(chunk);
      } else if (taken <= memoryLimit) {
        ram!.push(chunk);
      } else {
        file = await SpoolFile.create(dir);
        interrupt.check();
        writer = new SpoolWriter(file, (err) => interrupt.fail(err));
        const spilled = ram!.takeWithBlocks();
        writer.adopt(spilled.chunks, spilled.blocks);
        ram = null;
        writer.push(chunk);
      }
      if (writer?.full) await writer.flush();
      progress.update(taken);
    }
    if (writer) await writer.end();
    interrupt.check();
    progress.finish(taken);
  } catch (err) {
    closeInput(iterator);
    ram = null;
    if (writer) await writer.idle();
    if (file) await file.close();
    throw err;
  } finally {
    interrupt.dispose();
  }
  return file ? new FileSpool(file, taken) : new MemorySpool(ram!.take(), taken);
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
    const highWaterMark = opts.highWaterMark ?? READ_BLOCK;
    if (!Number.isSafeInteger(highWaterMark) || highWaterMark < 1) {
      throw new ScpipeError('ERR_USAGE', `invalid replay highWaterMark: ${String(highWaterMark)}`);
    }
    const stream = this.open(highWaterMark);
    this.replays.add(stream);
    stream.once('close', () => this.replays.delete(stream));
    destroyOnAbort(stream, opts.signal);
    return stream;
  }

  dispose(): Promise<void> {
    this.disposing ??= this.disposeOnce();
    return this.disposing;
  }

  protected abstract open(highWaterMark: number): Readable;
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

class MemorySpool extends SpoolBase {
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

class FileSpool extends SpoolBase {
  readonly onDisk = true;

  constructor(
    private readonly file: SpoolFile,
    length: number,
  ) {
    super(length);
  }

  override get path(): string | undefined {
    return this.file.path;
  }

  protected open(highWaterMark: number): Readable {
    return new FileReplay(this.file, this.length, highWaterMark);
  }

  protected release(): Promise<void> {
    return this.file.close();
  }
}

function checkMemoryLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_MEMORY_LIMIT;
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 0) {
    throw new ScpipeError('ERR_USAGE', `invalid spool memory limit: ${String(limit)}`);
  }
  return limit;
}
