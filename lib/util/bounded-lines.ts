// Bytes that come in chunks, cut into lines at "\n" with at most `max`
// bytes of a line held: of a longer line only its start is kept (to be
// shown), the rest is skipped, and the line is said too long. Sans-I/O:
// push() the bytes, end() after the last.

/** See the file comment. */
export class BoundedLines {
  private held: Buffer[] = [];
  private heldBytes = 0;
  private skipping = false; // the rest of a line too long to read

  constructor(private readonly max: number, private readonly onLine: (text: string, tooLong: boolean) => void) {}

  /** Takes the next bytes; says each line they complete. */
  push(chunk: Uint8Array): void {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    for (let nl = bytes.indexOf(0x0a); nl >= 0; nl = bytes.indexOf(0x0a, start)) {
      // A line whole in this chunk is read from it, not copied.
      if (this.heldBytes === 0 && !this.skipping && nl - start <= this.max) this.lineDone(bytes.toString('utf8', start, nl));
      else {
        this.take(bytes.subarray(start, nl));
        this.lineDone();
      }
      start = nl + 1;
    }
    this.take(bytes.subarray(start));
  }

  /** Says a last line that has no newline. */
  end(): void {
    if (this.heldBytes > 0 || this.skipping) this.lineDone();
  }

  private take(bytes: Uint8Array): void {
    if (this.skipping || bytes.length === 0) return;
    if (this.heldBytes + bytes.length > this.max) {
      // Its start is kept to be shown; the rest is not read.
      this.held.push(Buffer.from(bytes.subarray(0, Math.max(0, this.max - this.heldBytes))));
      this.skipping = true;
      return;
    }
    this.held.push(Buffer.from(bytes));
    this.heldBytes += bytes.length;
  }

  private lineDone(whole?: string): void {
    const text = whole ?? Buffer.concat(this.held).toString('utf8');
    const tooLong = this.skipping;
    this.held = [];
    this.heldBytes = 0;
    this.skipping = false;
    this.onLine(text, tooLong);
  }
}
