// Pass 1's progress: a throttled reporter.
import { performance } from 'node:perf_hooks';
import { asScpipeError, type ScpipeError } from '../errors';

const PROGRESS_INTERVAL_MS = 100;

// Reports progress at most every PROGRESS_INTERVAL_MS, and always at the end.
// An update that comes too soon is reported when the interval is over: when
// the input then pauses (a producer that stalls for minutes), the count
// shown is the bytes before the pause, not those of 100 ms earlier.
// A callback that throws fails the pass through `onError` (ERR_LOCAL_IO,
// its error the cause): thrown from the timer it crashed the process.
export class Progress {
  private last = performance.now();
  private latest = 0;
  private later: NodeJS.Timeout | undefined;

  constructor(
    private readonly callback: ((bytes: bigint) => void) | undefined,
    private readonly onError: (err: ScpipeError) => void,
  ) {}

  update(bytes: number): void {
    if (!this.callback) return;
    this.latest = bytes;
    const wait = PROGRESS_INTERVAL_MS - (performance.now() - this.last);
    if (wait <= 0) this.tell();
    else this.later ??= setTimeout(() => this.tell(), wait).unref();
  }

  /** The last report; throws what the callback threw, as ERR_LOCAL_IO. */
  finish(bytes: number): void {
    this.stop();
    try {
      this.callback?.(BigInt(bytes));
    } catch (err) {
      throw asScpipeError(err);
    }
  }

  /** No report from now on (the pass failed). */
  stop(): void {
    clearTimeout(this.later);
    this.later = undefined;
  }

  private tell(): void {
    this.stop();
    this.last = performance.now();
    try {
      this.callback!(BigInt(this.latest));
    } catch (err) {
      this.onError(asScpipeError(err));
    }
  }
}
