// One lend of a block (ReplyPool.lendBlock): which of its bytes came back.
// Each byte counts once, so a piece given back twice (or two views over the
// same bytes) cannot make the block look done while a piece is still out;
// once done, the lend is spent and counts nothing more.

/** See the file comment. */
export class BlockLend {
  // The ranges given back, [start, end) relative to the view, sorted and apart.
  private readonly back: Array<[number, number]> = [];
  private backBytes = 0;
  private spent = false;

  /** `filled`: the bytes that will be given back (settle() may lower it). */
  constructor(
    readonly view: Buffer,
    readonly room: number,
    private filled: number,
  ) {}

  /** Only the first `filled` bytes will come back; true when they all have (once). */
  settle(filled: number): boolean {
    this.filled = filled;
    return this.finish();
  }

  /**
   * Counts `piece` (a view into this lend's block) as back; true the one
   * time every filled byte is. A piece not within the filled part is ignored.
   */
  giveBack(piece: Buffer): boolean {
    if (this.spent) return false;
    const start = piece.byteOffset - this.view.byteOffset;
    const end = start + piece.length;
    if (start < 0 || end > this.filled || start === end) return false;
    this.add(start, end);
    return this.finish();
  }

  private finish(): boolean {
    if (this.spent || this.backBytes < this.filled) return false;
    this.spent = true;
    return true;
  }

  // Merges [start, end) into the ranges, counting only bytes not there yet.
  private add(start: number, end: number): void {
    const back = this.back;
    let i = 0;
    while (i < back.length && back[i]![1] < start) i++;
    let s = start;
    let e = end;
    let covered = 0;
    let j = i;
    for (; j < back.length && back[j]![0] <= end; j++) {
      const [a, b] = back[j]!;
      covered += Math.max(0, Math.min(b, end) - Math.max(a, start));
      s = Math.min(s, a);
      e = Math.max(e, b);
    }
    back.splice(i, j - i, [s, e]);
    this.backBytes += end - start - covered;
  }
}
