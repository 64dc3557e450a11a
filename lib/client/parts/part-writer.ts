// One part being spooled: in RAM while the budget shared by all parts held
// allows, else in a private unnamed spool file (lib/spool). The caller sums
// it (hash-thread.ts) and gives finish() the sum; finish() yields the part,
// replayable until it is disposed. Used for
// both directions: the parts cut from the input, and the parts fetched by get.
import { ChunkList, type BlockSource } from '../../spool/chunks';
import { SpoolFile } from '../../spool/spool-file';
import { FileSpool, MemorySpool, type Spool } from '../../spool/spools';
import { SpoolWriter } from '../../spool/writer';
import type { ScpipeError } from '../../errors';
import type { PartSpill } from './options';

// Chunks at least this long are held by reference; shorter ones are packed.
const KEEP_FROM = 16 * 1024;

/** RAM shared by every part held (--memory): taken as parts fill, given back as they are disposed. */
export class MemoryBudget {
  private used = 0;
  constructor(readonly limit: number) {}

  take(bytes: number): boolean {
    if (this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.used -= bytes;
  }

  get inUse(): number {
    return this.used;
  }
}

/** A spooled part: its bytes, size and SHA-256. */
export interface SpooledPart {
  index: number;
  size: number;
  sha256: string;
  onDisk: boolean;
  spool: Spool;
  /** Frees the RAM or the file; idempotent. */
  dispose(): Promise<void>;
}

/** Takes the bytes of one part; see the file comment. */
export class PartWriter {
  size = 0;
  // Chunks kept as they came (pipe reads): the budget bounds
  // them to a few thousand, and packing them into fresh blocks was a copy
  // and a page fault per 4 KiB (docs/performance.md §3).
  private ram: ChunkList | null;
  private reserved = 0;
  // The lent chunks held by reference, to be given back (the others held are the lists' own copies).
  private readonly lent = new Set<Buffer>();
  private file: SpoolFile | null = null;
  private writer: SpoolWriter | null = null;

  constructor(
    readonly index: number,
    private readonly budget: MemoryBudget,
    private readonly dir: string,
    private readonly onFailure: (err: ScpipeError) => void,
    private readonly onSpill?: (spill: PartSpill) => void,
    // Memory for the RAM part's blocks, used again once written out (get's, for the CLI).
    blocks?: BlockSource,
    // The chunks pushed are lent (lent-input.ts): each is given back here once
    // copied, written to the spool file, or, held in RAM, once the part is disposed.
    private readonly giveBack?: (chunk: Buffer) => void,
  ) {
    this.ram = new ChunkList(KEEP_FROM, blocks);
  }

  /** Adds a chunk (kept by reference: the caller must not change it). */
  async push(chunk: Buffer): Promise<void> {
    this.size += chunk.length;
    if (this.writer === null && this.budget.take(chunk.length)) {
      this.reserved += chunk.length;
      // A view into a larger buffer (ssh2 decrypts in place in the socket's
      // reads, shared by the packets of several channels) is copied: held by
      // reference it would keep up to twice the budget alive.
      this.keep(chunk, this.ram!.push(chunk, chunk.length < KEEP_FROM || chunk.buffer.byteLength > chunk.length * 1.25));
      return;
    }
    if (this.writer === null) await this.spill();
    this.keep(chunk, this.writer!.push(chunk));
    if (this.writer!.full) await this.writer!.flush();
  }

  /** The finished part, whose bytes have the SHA-256 `sha256` (hex). */
  async finish(sha256: string): Promise<SpooledPart> {
    let spool: Spool;
    if (this.writer) {
      await this.writer.end();
      spool = new FileSpool(this.file!, this.size);
    } else {
      spool = new MemorySpool(this.ram!.take(), this.size);
    }
    this.ram = null;
    const reserved = this.reserved;
    this.reserved = 0;
    let disposed: Promise<void> | undefined;
    return {
      index: this.index,
      size: this.size,
      sha256,
      onDisk: this.file !== null,
      spool,
      dispose: () =>
        (disposed ??= spool.dispose().then(() => {
          this.budget.give(reserved);
          // What is still lent is held in RAM, done with now.
          for (const chunk of this.lent) this.back(chunk);
        })),
    };
  }

  /** Drops what was taken (a failed run). */
  async discard(): Promise<void> {
    this.ram = null;
    this.budget.give(this.reserved);
    this.reserved = 0;
    if (this.writer) await this.writer.idle();
    await this.file?.close();
  }

  // A lent chunk: given back at once if its bytes were copied, else once done with.
  private keep(chunk: Buffer, byReference: boolean): void {
    if (!this.giveBack) return;
    if (byReference) this.lent.add(chunk);
    else this.giveBack(chunk);
  }

  private back(chunk: Buffer): void {
    if (this.lent.delete(chunk)) this.giveBack!(chunk);
  }

  // The budget is spent: the part goes on in a file, RAM taken so far with it.
  private async spill(): Promise<void> {
    this.file = await SpoolFile.create(this.dir);
    this.onSpill?.({ to: 'disk', dir: this.dir, bytes: this.size, part: this.index });
    this.writer = new SpoolWriter(this.file, this.onFailure, this.giveBack && ((written) => written.forEach((chunk) => this.back(chunk))));
    const held = this.ram!.takeWithBlocks();
    this.writer.adopt(held.chunks, held.blocks);
    this.ram = null;
    this.budget.give(this.reserved);
    this.reserved = 0;
  }
}
