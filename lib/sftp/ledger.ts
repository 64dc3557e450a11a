// The bookkeeping of a pipelined upload, without I/O: which bytes went out at
// which offset, which the server acknowledged, and the resume point, the
// highest offset below which every byte was acknowledged (docs/protocol.md
// §10, OpenSSH sftp-client.c's resume). A chunk is held in memory from take()
// until it and every chunk before it are acknowledged, so after a lost
// connection the file can be truncated to the resume point and everything
// above it sent again. Memory is what is held: the caller bounds it.
import { ScpipeError } from '../errors';

/** One chunk of the stream at its offset. */
export interface HeldChunk {
  offset: number;
  data: Buffer;
  acked: boolean;
}

/** See the file comment. */
export class WriteLedger {
  // Insertion order is offset order: chunks are taken in order, removed from the front.
  private readonly held = new Map<number, HeldChunk>();
  private next: number;
  private heldTotal = 0;

  constructor(start = 0) {
    this.next = start;
  }

  /** Assigns the next offset to `data` and holds it until acknowledged. */
  take(data: Buffer): HeldChunk {
    const chunk = { offset: this.next, data, acked: false };
    this.held.set(chunk.offset, chunk);
    this.next += data.length;
    this.heldTotal += data.length;
    return chunk;
  }

  /** The server acknowledged the chunk at `offset`; releases every leading acknowledged chunk and returns them. */
  ack(offset: number): HeldChunk[] {
    const chunk = this.held.get(offset);
    if (!chunk) throw new ScpipeError('ERR_USAGE', `WriteLedger.ack(${offset}): no chunk taken at that offset awaits its acknowledgement`);
    chunk.acked = true;
    const released: HeldChunk[] = [];
    for (const [at, c] of this.held) {
      if (!c.acked) break;
      this.held.delete(at);
      this.heldTotal -= c.data.length;
      released.push(c);
    }
    return released;
  }

  /** Every byte below this offset is acknowledged. */
  get resumePoint(): number {
    for (const at of this.held.keys()) return at;
    return this.next;
  }

  /** Bytes taken so far (the offset of the next chunk). */
  get taken(): number {
    return this.next;
  }

  /** Bytes kept in memory: not acknowledged, or above one that is not. */
  get heldBytes(): number {
    return this.heldTotal;
  }

  /** True when every byte taken is acknowledged. */
  get settled(): boolean {
    return this.held.size === 0;
  }

  /**
   * For a resume: every held chunk, marked unacknowledged again (the file is
   * truncated to resumePoint, so acknowledged bytes above it are gone too).
   */
  rewind(): HeldChunk[] {
    const chunks = [...this.held.values()];
    for (const c of chunks) c.acked = false;
    return chunks;
  }
}
