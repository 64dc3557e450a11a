// Fields of the SSH wire format (RFC 4251 §5) read in turn from a buffer
// that came from outside (a key file, a certificate, a client's request):
// a field that runs past the end reads as undefined, never a throw.

export class SshFields {
  constructor(
    private readonly buf: Buffer,
    /** Where the next field starts. */
    public at = 0,
  ) {}

  /** A uint32. */
  uint32(): number | undefined {
    if (this.at + 4 > this.buf.length) return undefined;
    const n = this.buf.readUInt32BE(this.at);
    this.at += 4;
    return n;
  }

  /** A string's bytes (its uint32 length, then them). */
  string(): Buffer | undefined {
    if (this.at + 4 > this.buf.length) return undefined;
    const len = this.buf.readUInt32BE(this.at);
    if (this.at + 4 + len > this.buf.length) return undefined;
    const out = this.buf.subarray(this.at + 4, this.at + 4 + len);
    this.at += 4 + len;
    return out;
  }

  /** Skips `n` bytes; false where fewer are left. */
  skip(n: number): boolean {
    if (this.at + n > this.buf.length) return false;
    this.at += n;
    return true;
  }
}
