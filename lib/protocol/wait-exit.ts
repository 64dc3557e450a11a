// Waits for the remote command's exit status, bounded by an optional timeout
// (a peer that closed stdout may never send one) and by the abort signal.
import { abortError } from '../errors';
import type { ExitStatus } from './channel';
import { onAbort } from '../util/abort';

const NO_STATUS: ExitStatus = { code: null, signal: null };

/** The exit status, `{code: null, signal: null}` after `ms`, or rejects on abort. */
export function waitForExit(exit: Promise<ExitStatus>, signal?: AbortSignal, ms?: number): Promise<ExitStatus> {
  return new Promise<ExitStatus>((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const timer = ms === undefined ? undefined : setTimeout(() => done(NO_STATUS), ms);
    const unlink = onAbort(signal, () => done(undefined, abortError(signal)));
    const done = (s?: ExitStatus, e?: Error): void => {
      if (timer) clearTimeout(timer);
      unlink();
      if (e) reject(e);
      else resolve(s!);
    };
    exit.then((s) => done(s), () => done(NO_STATUS));
  });
}
