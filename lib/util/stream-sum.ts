// The SHA-256 of one stream, computed beside the transfer on a hashing thread
// (hash-thread.ts), so the bytes are hashed in the same pass that moves them.
import { HashThread, type HashFeed } from './hash-thread';

/** One sum: update() with each chunk in order, then digest() once; close() gives up. */
export class StreamSum {
  private readonly thread = new HashThread();
  private readonly id = this.thread.newId();
  private readonly feed: HashFeed = this.thread.feed([this.id]);
  private ended = false;

  /** Copies `chunk` for the sum (the caller may reuse it at once). */
  update(chunk: Uint8Array): Promise<void> {
    return this.feed.update(chunk);
  }

  /** The sum (lowercase hex); ends the thread. */
  async digest(): Promise<string> {
    try {
      return await this.feed.digest(this.id);
    } finally {
      this.close();
    }
  }

  /** Ends the thread; safe to call again. */
  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.feed.close();
    this.thread.close();
  }
}
