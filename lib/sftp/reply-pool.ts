// Memory for SFTP DATA replies that is used again once their bytes are out.
// ssh2 joins a reply that spans several channel chunks into a fresh buffer
// of its length; for a 256 KiB read on a fast link that garbage outside the
// heap is what makes V8 run full collections (docs/performance.md §4). The
// name tap (name-bytes.ts) has ssh2 join the replies to the reads given a
// pool into a buffer lent from it. A buffer comes back only by giveBack()
// of the reply's data whole, from a writer that is done with it
// (pour-download.ts, the caller opts in with `reuseChunks`; cp's local files,
// through sftp-tree-reader.ts); one never given back is left to the
// collector, and a pool with none free lends a fresh one, so a caller who
// keeps chunks never sees one written again. A parts set's get reads its
// spilled parts back into it too (get-parts.ts), for the same writers, and
// packs the parts it holds in RAM into blocks from it (lendBlock): such a
// block comes back once every byte it was filled with is given back, in
// whatever pieces they were written out, each byte counted once (block-lend.ts).
// A parts upload reads a pipe on stdin into its blocks the same way
// (client/parts/lent-input.ts), with a pool of its own.

import { BlockLend } from './block-lend';

/** Where a DATA reply's data starts in its packet (after the length): type, request id, string length. */
const DATA_AT = 9;

/** See the file comment. */
export class ReplyPool {
  private readonly free: Buffer[] = [];
  private freeBytes = 0;
  // Each buffer lent, by its memory: the view handed out, where its data starts.
  private readonly lent = new WeakMap<ArrayBufferLike, Lent>();
  // Each block lent, by its memory; and the pieces of blocks given back, so a
  // piece given back again is not counted in a later lend of its block.
  private readonly lentBlocks = new WeakMap<ArrayBufferLike, BlockLend>();
  // Identity is enough: a later lend can only see a new view of bytes already back if
  // they went out twice, and each reaches one writer once (a part is replayed once, get-parts.ts).
  private readonly piecesBack = new WeakSet<Buffer>();
  // Blocks given back, kept apart from the replies' buffers (another size).
  private readonly freeBlocks: Buffer[] = [];
  private freeBlockBytes = 0;
  /** Buffers lent fresh and lent again (for tests and measurement). */
  readonly counts = { fresh: 0, reused: 0 };
  /** The same for blocks. */
  readonly blockCounts = { fresh: 0, reused: 0 };

  /** `maxFreeBytes`: what is kept idle for the next replies; beyond it, buffers given back are dropped. */
  constructor(private readonly maxFreeBytes = 32 * 1024 * 1024) {}

  /**
   * A buffer of exactly `length` bytes for a packet (without its length
   * field) to be joined into; `dataAt`: where in it the data given back
   * starts (0: the whole buffer, as a spool file's replay reads into).
   */
  lend(length: number, dataAt = DATA_AT): Buffer {
    let whole = this.free.pop();
    if (whole) this.freeBytes -= whole.length;
    if (whole && whole.length >= length) this.counts.reused++;
    else {
      whole = Buffer.allocUnsafeSlow(length); // its own memory: lent and given back as one
      this.counts.fresh++;
    }
    const view = whole.subarray(0, length);
    this.lent.set(whole.buffer, { view, dataAt });
    return view;
  }

  /**
   * A block of `length` bytes, to be given back in pieces; settle() says how
   * much of it was filled. Given back whole, it is kept while the blocks kept
   * come to at most `room` bytes (the RAM they are lent for: never more idle).
   */
  lendBlock(length: number, room: number): Buffer {
    let whole = this.freeBlocks.pop();
    if (whole) this.freeBlockBytes -= whole.length;
    if (whole && whole.length >= length) this.blockCounts.reused++;
    else {
      whole = Buffer.allocUnsafeSlow(length);
      this.blockCounts.fresh++;
    }
    const view = whole.subarray(0, length);
    this.lentBlocks.set(whole.buffer, new BlockLend(view, room, length));
    return view;
  }

  /** A block of which only the first `filled` bytes will be given back. */
  settle(block: Buffer, filled: number): void {
    const lend = this.lentBlocks.get(block.buffer);
    if (lend?.settle(filled)) this.keepBlock(lend);
  }

  /**
   * Takes back the buffer `data` lies in, when `data` is the whole data of
   * a lent buffer (a reply's: after its head); anything else is ignored.
   * The caller must hold no reference to `data` (nor to any view of it)
   * from now on.
   */
  giveBack(data: Buffer): void {
    const lend = this.lentBlocks.get(data.buffer);
    if (lend) {
      if (this.piecesBack.has(data)) return;
      this.piecesBack.add(data);
      if (lend.giveBack(data)) this.keepBlock(lend);
      return;
    }
    const lent = this.lent.get(data.buffer);
    if (!lent) return;
    const { view, dataAt } = lent;
    if (data.byteOffset !== view.byteOffset + dataAt || data.byteOffset + data.length !== view.byteOffset + view.length) return;
    this.lent.delete(data.buffer);
    const whole = Buffer.from(data.buffer);
    if (this.freeBytes + whole.length > this.maxFreeBytes) return;
    this.free.push(whole);
    this.freeBytes += whole.length;
  }

  private keepBlock(lend: BlockLend): void {
    this.lentBlocks.delete(lend.view.buffer);
    const whole = Buffer.from(lend.view.buffer);
    if (this.freeBlockBytes + whole.length > lend.room) return;
    this.freeBlocks.push(whole);
    this.freeBlockBytes += whole.length;
  }
}

interface Lent {
  /** The view handed out. */
  view: Buffer;
  /** Where the data given back starts in it. */
  dataAt: number;
}

/** The process's pool, for get's reads when its caller gives the chunks back, and cp's. */
export const replyPool = new ReplyPool();
