// Feeds the spool file: gathers chunks into batches of at least WRITE_BATCH
// bytes and writes each batch with one positional writev, keeping at most one
// write in flight while the next batch fills. The caller awaits flush() when
// a batch is full, so the input is read no faster than the disk accepts it.
import { ScpipeError } from '../errors';
import { ChunkList } from './chunks';
import { releaseMemory } from './release';
import { SpoolFile, spoolWriteError } from './spool-file';

/** Bytes gathered before a write is started. */
export const WRITE_BATCH = 1024 * 1024;

/** Batched, pipelined writer of one SpoolFile; see the file comment. */
export class SpoolWriter {
  private readonly batch = new ChunkList(16 * 1024);
  private inflight: Promise<void> | null = null;
  // Memory to free once the next batch is written (see release.ts).
  private releaseAfterWrite: ArrayBufferLike[] = [];
  private failure: ScpipeError | null = null;

  /**
   * `onFailure` hears of a failed write at once, even while nobody awaits the
   * writer; `onWritten` gets each batch's buffers once its write is over
   * (done or failed): the file no longer reads them.
   */
  constructor(
    private readonly file: SpoolFile,
    private readonly onFailure: (err: ScpipeError) => void,
    private readonly onWritten?: (buffers: readonly Buffer[]) => void,
  ) {}

  /** True when the gathered bytes make a batch: call flush(). */
  get full(): boolean {
    return this.batch.byteLength >= WRITE_BATCH;
  }

  /** Adds a chunk to the batch: true when kept by reference until written, false when small and copied. */
  push(chunk: Buffer): boolean {
    return this.batch.push(chunk);
  }

  /**
   * Adds already packed chunks (the RAM spool being spilled) by reference.
   * `blocks`, the memory they were packed into, is freed once they are
   * written: nothing else may reference it.
   */
  adopt(chunks: readonly Buffer[], blocks: readonly ArrayBufferLike[] = []): void {
    this.batch.adopt(chunks);
    this.releaseAfterWrite.push(...blocks);
  }

  /** Waits for the write in flight, then starts writing the batch. Rejects with ERR_SPOOL. */
  async flush(): Promise<void> {
    if (this.inflight) await this.inflight;
    this.check();
    const buffers = this.batch.take();
    const release = this.releaseAfterWrite;
    this.releaseAfterWrite = [];
    if (buffers.length === 0) return;
    const settled = () => {
      if (this.inflight === write) this.inflight = null;
      if (release.length > 0) releaseMemory(release);
      this.onWritten?.(buffers);
    };
    const write: Promise<void> = this.file.append(buffers).then(
      () => settled(),
      (err: unknown) => {
        settled();
        this.failure ??= spoolWriteError(this.file.dir, this.file.bytesWritten, err);
        this.onFailure(this.failure);
      },
    );
    this.inflight = write;
  }

  /** Writes what is left and waits until it is all written. Rejects with ERR_SPOOL. */
  async end(): Promise<void> {
    await this.flush();
    await this.idle();
    this.check();
  }

  /** Settles (never rejects) once no write is in flight. */
  idle(): Promise<void> {
    return this.inflight ?? Promise.resolve();
  }

  private check(): void {
    if (this.failure) throw this.failure;
  }
}
