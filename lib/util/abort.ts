// The one way scpipe listens to an AbortSignal: add the listener and get back
// the function that removes it, so a long-lived signal (the CLI's, a
// library caller's) is left with no listener once the work is over.
import { abortError } from '../errors';

/**
 * Calls `listener` once when `signal` aborts; returns what removes it (safe
 * to call more than once). A signal that has already aborted does not call
 * it: check `signal.aborted` first where that matters.
 */
export function onAbort(signal: AbortSignal | undefined, listener: () => void): () => void {
  if (!signal) return () => undefined;
  signal.addEventListener('abort', listener, { once: true });
  return () => signal.removeEventListener('abort', listener);
}

/**
 * A controller of its own for work that has more reasons to stop than the
 * caller's `signal` (the first failure stops the rest): it aborts with
 * abortError(signal) when that fires. Call unlink() when the work is over.
 */
export function linkedController(signal: AbortSignal | undefined): { controller: AbortController; unlink: () => void } {
  const controller = new AbortController();
  const unlink = onAbort(signal, () => controller.abort(abortError(signal)));
  return { controller, unlink };
}
