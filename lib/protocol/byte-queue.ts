// A FIFO of the caller's buffers, read without copying where possible: the
// sink decoder's input, where bodies pass as views of the channel's chunks
// and lines are found across chunks without joining them.

/** Queued buffers, taken from the front as views (or a copy across chunks). */
export class ByteQueue {
  private chunks: Buffer[] = [];
  private head = 0; // index of the front chunk
  private offset = 0; // bytes of the front chunk already taken
  length = 0;
  private resume: { index: number; base: number } | undefined; // where indexOf() last stopped

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  peek(): number | undefined {
    return this.length === 0 ? undefined : this.chunks[this.head]![this.offset];
  }

  // Position of `byte` counted from the front, searching [from, limit). A
  // line that comes a byte a packet is thousands of chunks: the search goes
  // on from the chunk where the last one stopped (`resume`, until something
  // is taken), not from the front, or each byte would cost a pass over all.
  indexOf(byte: number, from: number, limit: number): number {
    let i = this.head;
    let base = -this.offset; // position of the current chunk's first byte
    if (this.resume !== undefined && this.resume.base <= from) ({ index: i, base } = this.resume);
    for (; i < this.chunks.length && base < limit; i++) {
      const chunk = this.chunks[i]!;
      const start = Math.max(from - base, 0);
      const end = Math.min(chunk.length, limit - base);
      const at = start < end ? chunk.subarray(0, end).indexOf(byte, start) : -1;
      if (at !== -1) return base + at;
      this.resume = { index: i, base };
      base += chunk.length;
    }
    return -1;
  }

  // Up to `max` bytes from the front chunk, as a view.
  takeView(max: number): Buffer {
    const front = this.chunks[this.head]!;
    const n = Math.min(max, front.length - this.offset);
    const view = front.subarray(this.offset, this.offset + n);
    this.resume = undefined; // positions count from the front, which moves
    this.offset += n;
    this.length -= n;
    if (this.offset === front.length) this.dropFront();
    return view;
  }

  // Exactly `n` bytes: a view when they lie in one chunk, else a copy.
  take(n: number): Buffer {
    const first = this.takeView(n);
    if (first.length === n) return first;
    const parts = [first];
    for (let got = first.length; got < n; ) {
      const part = this.takeView(n - got);
      parts.push(part);
      got += part.length;
    }
    return Buffer.concat(parts, n);
  }

  private dropFront(): void {
    this.chunks[this.head] = EMPTY; // let the consumed chunk be collected
    this.head += 1;
    this.offset = 0;
    if (this.head === this.chunks.length) {
      this.chunks = [];
      this.head = 0;
    } else if (this.head >= 64 && this.head * 2 >= this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }
}

const EMPTY = Buffer.alloc(0);
