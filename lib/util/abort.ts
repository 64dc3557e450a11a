// The one way scpipe listens to an AbortSignal: add the listener and get back
// the function that removes it, so a long-lived signal (the CLI's, a
// library caller's) is left with no listener once the work is over.
import { setMaxListeners } from 'node:events';
import { abortError, checkSignal } from '../errors';

/**
 * Calls `listener` once when `signal` aborts; returns what removes it (safe
 * to call more than once). A signal that has already aborted does not call
 * it: check `signal.aborted` first where that matters.
 */
export function onAbort(signal: AbortSignal | undefined, listener: () => void): () => void {
  if (!signal) return () => undefined;
  checkSignal(signal);
  signal.addEventListener('abort', listener, { once: true });
  return () => signal.removeEventListener('abort', listener);
}

/**
 * A controller of its own for work that has more reasons to stop than the
 * caller's `signal` (the first failure stops the rest): it aborts with
 * abortError(signal) when that fires. Call unlink() when the work is over.
 */
export function linkedController(signal: AbortSignal | undefined): { controller: AbortController; unlink: () => void } {
  const controller = ownController();
  const unlink = onAbort(signal, () => controller.abort(abortError(signal)));
  return { controller, unlink };
}

/**
 * A controller for scpipe's own fan-out: every channel of a parts set or an
 * SFTP transfer, every session of the server listens to its signal, each
 * listener removed as its piece ends. More than 10 at once is normal there
 * (--parallel 8), not the leak Node's MaxListenersExceededWarning suspects.
 */
export function ownController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}

/** Resolves once `promise` settles (its outcome dropped) or `signal` fires: a courtesy (a close) an abort need not wait for. */
export function settledOrAborted(promise: Promise<unknown>, signal: AbortSignal | undefined): Promise<void> {
  promise.catch(() => undefined);
  if (signal?.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const unlink = onAbort(signal, resolve);
    const done = (): void => {
      unlink();
      resolve();
    };
    promise.then(done, done);
  });
}
