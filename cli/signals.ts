// SIGINT / SIGTERM abort the transfer through an AbortSignal, so the spool is
// removed and the channel closed before we exit 130 / 143. A second signal
// exits at once (the spool file is already unlinked, or removed by its exit hook).
import { abortError } from '../lib';

/** An AbortSignal that fires on SIGINT/SIGTERM; `release()` removes the handlers. */
export function abortOnSignals(): { signal: AbortSignal; release: () => void } {
  const ac = new AbortController();
  const handlers = (['SIGINT', 'SIGTERM'] as const).map((name) => {
    const handler = (): void => {
      if (ac.signal.aborted) process.exit(name === 'SIGTERM' ? 143 : 130);
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
