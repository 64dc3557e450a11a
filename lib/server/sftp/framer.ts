// Cuts the channel's byte stream into SFTP packets (uint32 length, then the
// payload). A length of 0 or above MAX_PACKET is a protocol error that ends
// the session, as in sftp-server; so a client can never make us buffer more
// than one packet's worth per session here. Small chunks (a client may send
// a packet a few bytes per SSH packet) are joined as they come, so that the
// packet's worth costs about its bytes, not a Buffer of ~300 bytes per byte.
import { BadPacket, MAX_PACKET } from './wire';

// Chunks under SMALL bytes are joined once JOIN of them follow one another.
const SMALL = 4 * 1024;
const JOIN = 64;

/** Accumulates bytes; next() returns whole packet payloads (type byte first). */
export class PacketFramer {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private small = 0; // chunks under SMALL at the end of `chunks`

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    this.small = chunk.length < SMALL ? Math.min(this.small + 1, this.chunks.length) : 0;
    if (this.small < JOIN) return;
    // Each byte is copied again only until its piece reaches SMALL: at most ~SMALL/JOIN times.
    const joined = Buffer.concat(this.chunks.splice(-this.small));
    this.chunks.push(joined);
    this.small = joined.length < SMALL ? 1 : 0;
  }

  /** The next complete payload, or undefined until more bytes arrive. Throws BadPacket. */
  next(): Buffer | undefined {
    if (this.buffered < 4) return undefined;
    const len = this.peekLength();
    if (len === 0 || len > MAX_PACKET) throw new BadPacket(`bad packet length ${len}`);
    if (this.buffered < 4 + len) return undefined;
    return this.take(4 + len).subarray(4);
  }

  /** Bytes held that do not yet make a packet. */
  get pending(): number {
    return this.buffered;
  }

  private peekLength(): number {
    return this.take(4, true).readUInt32BE(0);
  }

  // The first n bytes, removed unless `peek`. A packet inside one chunk is a
  // view, not a copy; one split across chunks joins them once.
  private take(n: number, peek = false): Buffer {
    if (this.chunks[0]!.length < n) this.chunks = [Buffer.concat(this.chunks, this.buffered)];
    const first = this.chunks[0]!;
    const out = first.subarray(0, n);
    if (!peek) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.buffered -= n;
    }
    return out;
  }
}
