// The channels parts go over: up to `capacity` at once, each with a number
// (for -v), fewer when the server refuses a channel (OpenSSH's MaxSessions).
import { abortError } from '../../errors';
import { onAbort } from '../../util/abort';

/** A counting semaphore whose holders get a lane number; see the file comment. */
export class Lanes {
  private readonly free: number[] = [];
  private readonly waiting: { resolve: (lane: number) => void; reject: (err: unknown) => void }[] = [];
  private size: number;

  constructor(capacity: number, private readonly signal?: AbortSignal) {
    this.size = capacity;
    for (let lane = capacity - 1; lane >= 0; lane--) this.free.push(lane);
    onAbort(signal, () => this.rejectAll()); // the run's own signal: it goes away with the run
  }

  /** Lanes there are now (shrink() lowers it). */
  get capacity(): number {
    return this.size;
  }

  /** Waits for a free lane and takes it. */
  acquire(): Promise<number> {
    if (this.signal?.aborted) return Promise.reject(abortError(this.signal));
    const lane = this.free.pop();
    if (lane !== undefined) return Promise.resolve(lane);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  /** Gives a lane back. */
  release(lane: number): void {
    const next = this.waiting.shift();
    if (next) next.resolve(lane);
    else this.free.push(lane);
  }

  /**
   * Retires a lane the server refused a channel for, instead of releasing
   * it; false (and nothing retired) when it is the last one.
   */
  retire(): boolean {
    if (this.size <= 1) return false;
    this.size--;
    return true;
  }

  private rejectAll(): void {
    for (const w of this.waiting.splice(0)) w.reject(abortError(this.signal));
  }
}
