// SIGINT / SIGTERM / SIGHUP (the terminal or the SSH session that ran us is
// gone) abort the transfer through an AbortSignal, so the spool is removed
// and the channel closed before we exit 130 / 143 / 129. A second signal
// exits at once (the spool file is already unlinked, or removed by its exit hook).
import { abortError } from '../lib';
import { SIGNAL_STATUS } from './exit-status';

/** An AbortSignal that fires on SIGINT/SIGTERM/SIGHUP; `release()` removes the handlers. */
export function abortOnSignals(): { signal: AbortSignal; release: () => void } {
  const ac = new AbortController();
  const handlers = (Object.keys(SIGNAL_STATUS) as (keyof typeof SIGNAL_STATUS)[]).map((name) => {
    const handler = (): void => {
      if (ac.signal.aborted) process.exit(SIGNAL_STATUS[name]);
      ac.abort(abortError({ reason: name } as AbortSignal));
    };
    process.on(name, handler);
    return [name, handler] as const;
  });
  return {
    signal: ac.signal,
    release: () => handlers.forEach(([name, h]) => process.off(name, h)),
  };
}
