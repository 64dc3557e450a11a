// A read that an abort or a failure elsewhere cuts short: an input that
// waits (a slow producer) must not hold up the error.
import { abortError } from '../errors';
import { onAbort } from './abort';

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
