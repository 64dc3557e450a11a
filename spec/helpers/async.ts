// Waiting in tests without fixed sleeps, and catching an expected rejection or throw.
import { ScpipeError } from '../../lib/errors';

/** Polls `condition` every 10 ms until it holds; throws (naming `what`) after `timeoutMs`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, what = 'condition', timeoutMs = 10_000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Waits until `sample` has kept one value for `steadyMs` (a stalled transfer:
 * every buffer in its way is full); throws (naming `what`) after `timeoutMs`.
 */
export async function waitForSteady(sample: () => number, what = 'a steady value', steadyMs = 500, timeoutMs = 30_000): Promise<void> {
  const end = performance.now() + timeoutMs;
  let value = sample();
  let since = performance.now();
  while (performance.now() - since < steadyMs) {
    if (performance.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
    const now = sample();
    if (now !== value) [value, since] = [now, performance.now()];
  }
}

/** The ScpipeError `promise` rejects with; throws if it resolves or rejects with anything else. */
export async function rejection(promise: Promise<unknown>): Promise<ScpipeError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ScpipeError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

/** The ScpipeError `fn` throws; throws if it returns or throws anything else. */
export function thrown(fn: () => unknown): ScpipeError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ScpipeError) return err;
    throw err;
  }
  throw new Error('expected a throw');
}

/**
 * CPU milliseconds this process spends in `work` (user and system): a bound
 * on an algorithm's cost that a loaded machine does not stretch, as it does wall time.
 */
export function cpuMs(work: () => void): number {
  const before = process.cpuUsage();
  work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

/** A call held mid-way until the test lets it go: it awaits hold(), which resolves `reached`, then waits for release(). */
export interface HeldGate {
  hold(): Promise<void>;
  reached: Promise<void>;
  release(): void;
}

/** A new HeldGate (see there). */
export function heldGate(): HeldGate {
  let arrive!: () => void;
  const reached = new Promise<void>((resolve) => (arrive = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  return {
    reached,
    release,
    hold: () => {
      arrive();
      return released;
    },
  };
}
