// setTimeout() holds a wait of at most 2^31-1 ms (24.8 days) and runs a
// longer one after 1 ms: an option in seconds or days given as "a month"
// or "a very long time" would fire at once. Such a wait is taken in steps.

/** The longest wait setTimeout() and setInterval() keep. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Calls `fn` once `ms` have passed (Infinity: never); returns what cancels it. `unref`: the wait keeps no process alive. */
export function longTimeout(fn: () => void, ms: number, unref = false): () => void {
  let timer: NodeJS.Timeout | undefined;
  const wait = (left: number): void => {
    timer = setTimeout(() => (left > MAX_TIMER_MS ? wait(left - MAX_TIMER_MS) : fn()), Math.min(left, MAX_TIMER_MS));
    if (unref) timer.unref();
  };
  wait(ms);
  return () => clearTimeout(timer);
}
