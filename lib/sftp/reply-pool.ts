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
// spilled parts back into it too (get-parts.ts), for the same writers.

/** Where a DATA reply's data starts in its packet (after the length): type, request id, string length. */
const DATA_AT = 9;

/** See the file comment. */
export class ReplyPool {
  private readonly free: Buffer[] = [];
  private freeBytes = 0;
  // Each buffer lent, by its memory: the view handed out, where its data starts.
  private readonly lent = new WeakMap<ArrayBufferLike, { view: Buffer; dataAt: number }>();
  /** Buffers lent fresh and lent again (for tests and measurement). */
  readonly counts = { fresh: 0, reused: 0 };

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
   * Takes back the buffer `data` lies in, when `data` is the whole data of
   * a lent buffer (a reply's: after its head); anything else is ignored.
   * The caller must hold no reference to `data` (nor to any view of it)
   * from now on.
   */
  giveBack(data: Buffer): void {
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
}

/** The process's pool, for get's reads when its caller gives the chunks back, and cp's. */
export const replyPool = new ReplyPool();
