// SIGINT / SIGTERM / SIGHUP (the terminal or the SSH session that ran us is
// gone) abort the transfer through an AbortSignal, so the spool is removed
// and the channel closed before we exit 130 / 143 / 129. A second signal
// exits at once (the spool file is already unlinked, or removed by its exit hook),
// and so does the first one after GRACE_MS: the clean-up may wait for a
// server that never answers (an SFTP temporary file to remove).
import { abortError } from '../lib';
import { SIGNAL_STATUS } from './exit-status';
import { say } from './report';

/** How long the clean-up after a signal may wait for the server. */
export const GRACE_MS = 10_000;

/** An AbortSignal that fires on SIGINT/SIGTERM/SIGHUP; `release()` removes the handlers. */
export function abortOnSignals(): { signal: AbortSignal; release: () => void } {
  const ac = new AbortController();
  const handlers = (Object.keys(SIGNAL_STATUS) as (keyof typeof SIGNAL_STATUS)[]).map((name) => {
    const handler = (): void => {
      if (ac.signal.aborted) process.exit(SIGNAL_STATUS[name]);
      ac.abort(abortError({ reason: name } as AbortSignal));
      setTimeout(() => {
        say(`interrupted by ${name}; the server did not answer for ${GRACE_MS / 1000} s: exiting without it (a temporary file there may be left)`);
        process.exit(SIGNAL_STATUS[name]);
      }, GRACE_MS).unref();
    };
    process.on(name, handler);
    return [name, handler] as const;
  });
  return {
    signal: ac.signal,
    release: () => handlers.forEach(([name, h]) => process.off(name, h)),
  };
}
