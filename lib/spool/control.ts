// Pass 1's progress: a throttled reporter.
import { performance } from 'node:perf_hooks';

const PROGRESS_INTERVAL_MS = 100;

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
