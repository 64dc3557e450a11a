// The Readable a download hands out: the sink writes into it and waits until
// the consumer has read (backpressure reaches the remote through the SSH
// window); it ends only once the whole session has been verified, so a
// consumer never mistakes a failed transfer for a complete one.
import { Readable } from 'node:stream';

/** A Readable fed by a producer that awaits each write. */
export class BodyStream extends Readable {
  private wake: (() => void) | undefined;

  constructor(highWaterMark = 1024 * 1024) {
    super({ highWaterMark });
    // The download's `done` rejects with the same error: a caller that has
    // not yet attached the body anywhere must not crash on it.
    this.on('error', () => undefined);
  }

  /** Pushes a chunk; resolves when the consumer wants more (or the stream is gone). */
  async write(chunk: Buffer): Promise<void> {
    if (this.destroyed) return;
    if (this.push(chunk)) return;
    await new Promise<void>((resolve) => (this.wake = resolve));
  }

  /**
   * Resolves once the consumer has read everything pushed so far, or the
   * stream is gone, or after `limitMs`: bytes already verified reach it
   * before an error does. Polled: Readable says nothing when its buffer empties.
   * Timed by the monotonic clock: a wall clock stepped back does not add the step.
   */
  async drained(limitMs = 30_000): Promise<void> {
    const end = performance.now() + limitMs;
    while (!this.destroyed && this.readableLength > 0 && performance.now() < end) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Ends the stream: the transfer is verified complete. */
  finish(): void {
    if (!this.destroyed) this.push(null);
  }

  override _read(): void {
    this.release();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.release(); // a destroyed body must not leave the producer waiting
    cb(err);
  }

  private release(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }
}
