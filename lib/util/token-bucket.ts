// A token bucket: bytes may pass at `rate` per second on average, with at
// most `burst` at once. Waiters are served first come, first served, so
// several channels and connections sharing one bucket share its rate, and one
// timer wakes the head of the queue exactly when its bytes are due (no
// sleeping per chunk, no polling).
import { performance } from 'node:perf_hooks';
import { ScpipeError, abortError } from '../errors';
import { escapeForTerminal } from './escape';
import { onAbort } from './abort';

interface Waiter {
  n: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** Clock and timers, replaceable in tests. */
export interface BucketClock {
  now(): number; // milliseconds
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const REAL_CLOCK: BucketClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Shares a byte rate between everyone who calls take(). */
export class TokenBucket {
  /** Bytes per second. */
  readonly rate: number;
  /** The most that passes at once; take() asks for at most this many. */
  readonly burst: number;
  private tokens: number;
  private last: number;
  private readonly queue: Waiter[] = [];
  private timer: unknown;

  constructor(rate: number, burst?: number, private readonly clock: BucketClock = REAL_CLOCK) {
    if (!(rate > 0)) throw new RangeError(`bad rate ${rate}`);
    this.rate = rate;
    // A twentieth of a second's worth, at least 4 KiB: smooth, yet few wake-ups.
    this.burst = Math.max(1, Math.floor(burst ?? Math.max(4096, rate / 20)));
    this.tokens = this.burst;
    this.last = clock.now();
  }

  /** Resolves when `n` bytes (at most `burst`; more is clamped) may pass. */
  take(n: number, signal?: AbortSignal): Promise<void> {
    const want = Math.min(Math.max(0, n), this.burst);
    this.refill();
    if (this.queue.length === 0 && this.tokens >= want) {
      this.tokens -= want;
      return Promise.resolve();
    }
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { n: want, resolve, reject };
      const unlink = onAbort(signal, () => {
        const i = this.queue.indexOf(waiter);
        if (i >= 0) this.queue.splice(i, 1);
        reject(abortError(signal));
        this.schedule();
      });
      waiter.resolve = () => {
        unlink();
        resolve();
      };
      this.queue.push(waiter);
      this.schedule();
    });
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.rate) / 1000);
    this.last = now;
  }

  // Serves what can be served now; sets one timer for the next head.
  private schedule(): void {
    if (this.timer !== undefined) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.refill();
    while (this.queue.length > 0 && this.tokens >= this.queue[0].n) {
      const head = this.queue.shift()!;
      this.tokens -= head.n;
      head.resolve();
    }
    if (this.queue.length === 0) return;
    const ms = ((this.queue[0].n - this.tokens) * 1000) / this.rate;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.schedule();
    }, Math.max(1, Math.ceil(ms)));
  }
}

/** One bucket per direction, shared by every connection and channel of a run. */
export interface BandwidthLimit {
  send: TokenBucket;
  receive: TokenBucket;
}

/** A limit of `kbits` Kbit/s each way, as scp's -l counts (1 Kbit = 1000 bits). */
export function bandwidthLimit(kbits: number): BandwidthLimit {
  // Checked here, the API's door: a bucket's own check is a RangeError.
  if (typeof kbits !== 'number' || !(kbits > 0) || !Number.isFinite(kbits)) {
    throw new ScpipeError('ERR_USAGE', `bandwidthLimit: bad limit ${escapeForTerminal(String(kbits))}: give Kbit/s, a finite number above 0 (8000 = 1 MB/s)`);
  }
  const rate = (kbits * 1000) / 8;
  return { send: new TokenBucket(rate), receive: new TokenBucket(rate) };
}
