// Pass 1's control: an interrupt that rejects the one read in progress
// (abort or a failed write) and a throttled progress reporter.
import { performance } from 'node:perf_hooks';
import { abortError } from '../errors';
import { onAbort } from '../util/abort';

const PROGRESS_INTERVAL_MS = 100;

// Rejects the one pending race() when the signal fires or fail() is called,
// without piling reactions on a long-lived promise (Promise.race would).
export class Interrupt {
  private failed = false;
  private failure: unknown;
  private rejectPending: ((err: unknown) => void) | null = null;
  private readonly unlink: () => void;

  constructor(signal: AbortSignal | undefined) {
    this.unlink = onAbort(signal, () => this.fail(abortError(signal)));
  }

  fail(err: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.failure = err;
    const reject = this.rejectPending;
    this.rejectPending = null;
    reject?.(err);
  }

  check(): void {
    if (this.failed) throw this.failure;
  }

  race<T>(promise: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.rejectPending = reject;
      const settle = (): void => {
        if (this.rejectPending === reject) this.rejectPending = null;
      };
      promise.then(
        (value) => {
          settle();
          resolve(value);
        },
        (err: unknown) => {
          settle();
          reject(err);
        },
      );
    });
  }

  dispose(): void {
    this.unlink();
    this.rejectPending = null;
  }
}

// Reports progress at most every PROGRESS_INTERVAL_MS, and always at the end.
export class Progress {
  private last = performance.now();

  constructor(private readonly callback: ((bytes: bigint) => void) | undefined) {}

  update(bytes: number): void {
    if (!this.callback) return;
    const now = performance.now();
    if (now - this.last < PROGRESS_INTERVAL_MS) return;
    this.last = now;
    this.callback(BigInt(bytes));
  }

  finish(bytes: number): void {
    this.callback?.(BigInt(bytes));
  }
}
