// An ordered list of byte chunks that keeps large chunks by reference (no
// copies) and packs smaller ones into shared 4 MiB blocks, so that an input
// made of millions of tiny chunks costs bytes, not millions of objects.
// Used for the in-RAM spool and for the batches written to the spool file.
//
// Why pipe reads (64 KiB) are packed too: a RAM spool kept as one Buffer per
// read made V8 run many more full mark-compacts while it was sent (external
// memory pressure from ssh2's packet buffers), and the send was much slower
// than from the disk spool; in 4 MiB blocks it matches it. The copy overlaps
// with reading the input. Figures: docs/performance.md §3.

/** By default, chunks shorter than this are copied into a shared block; longer ones are kept as they are. */
const COALESCE_BELOW = 1024 * 1024;
const BLOCK_SIZE = 4 * 1024 * 1024;

/** Memory for the blocks, used again once their bytes are out (lib/sftp/reply-pool.ts). */
export interface BlockSource {
  lend(length: number): Buffer;
  /** Only the first `filled` bytes of `block` were used: the block is done with once they are. */
  settle(block: Buffer, filled: number): void;
}

/** Ordered chunks with a running byte count; see the file comment. */
export class ChunkList {
  private chunks: Buffer[] = [];
  private bytes = 0;
  // The block small chunks are packed into: [start, used) is not yet in `chunks`.
  private block: Buffer | null = null;
  private start = 0;
  private used = 0;
  // The blocks allocated since the last take: memory only the chunks not yet
  // taken reference. A list taken from again and again (the writer's batches)
  // must not keep every block it ever filled.
  private blocks: ArrayBufferLike[] = [];

  /**
   * `coalesceBelow`: chunks shorter than this are packed. The spool file's
   * short-lived write batches pass a small value: packing them would only
   * make garbage for the collector, and garbage is resident memory.
   */
  constructor(
    private readonly coalesceBelow = COALESCE_BELOW,
    // Where blocks come from; then take() ends the block being filled too.
    private readonly source?: BlockSource,
  ) {}

  /** Bytes held. */
  get byteLength(): number {
    return this.bytes;
  }

  /**
   * Appends a chunk. A large chunk is kept by reference, so the caller must not
   * change it afterwards (the same contract as `Readable.push`); `pack`
   * overrides the choice by size. True when `chunk` is kept by reference,
   * false when its bytes were copied (the caller may reuse it at once).
   */
  push(chunk: Buffer, pack = chunk.length < this.coalesceBelow): boolean {
    const length = chunk.length;
    if (length === 0) return false;
    this.bytes += length;
    if (!pack) {
      this.seal();
      this.chunks.push(chunk);
      return true;
    }
    let offset = 0;
    while (offset < length) {
      if (this.block === null || this.used === this.block.length) {
        this.seal();
        this.block = this.source?.lend(BLOCK_SIZE) ?? Buffer.allocUnsafeSlow(BLOCK_SIZE);
        this.blocks.push(this.block.buffer);
        this.start = this.used = 0;
      }
      const copied = chunk.copy(this.block, this.used, offset);
      this.used += copied;
      offset += copied;
    }
    return false;
  }

  /** Appends chunks by reference, without packing (they are already packed). */
  adopt(chunks: readonly Buffer[]): void {
    this.seal();
    for (const chunk of chunks) {
      if (chunk.length === 0) continue;
      this.chunks.push(chunk);
      this.bytes += chunk.length;
    }
  }

  /**
   * Removes and returns everything held, in order. Later pushes never write
   * into the returned buffers, so they may be handed to an asynchronous write.
   */
  take(): Buffer[] {
    this.seal();
    if (this.source && this.block) {
      this.source.settle(this.block, this.used);
      this.block = null;
      this.start = this.used = 0;
    }
    const chunks = this.chunks;
    this.chunks = [];
    this.bytes = 0;
    this.blocks = [];
    return chunks;
  }

  /**
   * Like take(), and also hands over the blocks the small chunks were packed
   * into since the last take, which nothing outside this list references: once the caller is done
   * with the chunks it may free them at once with releaseMemory(). The list
   * starts a new block for its next push.
   */
  takeWithBlocks(): { chunks: Buffer[]; blocks: ArrayBufferLike[] } {
    const blocks = this.blocks;
    const chunks = this.take();
    this.block = null;
    this.start = this.used = 0;
    return { chunks, blocks };
  }

  // Moves the unsealed part of the block into `chunks` as a view.
  private seal(): void {
    if (this.block !== null && this.used > this.start) {
      this.chunks.push(this.block.subarray(this.start, this.used));
      this.start = this.used;
    }
  }
}
