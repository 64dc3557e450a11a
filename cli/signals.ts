// SIGINT / SIGTERM / SIGHUP (the terminal or the SSH session that ran us is
// gone) abort the transfer through an AbortSignal, so the spool is removed
// and the channel closed before we exit 130 / 143 / 129. A second signal
// exits at once (the spool file is already unlinked, or removed by its exit hook),
// and so does the first one after GRACE_MS: the clean-up may wait for a
// server that never answers (an SFTP temporary file to remove). Either says so.
// Once the library said the commit point passed (transferCommitted), the data
// is stored whatever comes next: either exit is then 0, said as such.
import { ScpipeError, abortError } from '../lib';
import { cancelQuestionOnTty } from '../lib/internal';
import { SIGNAL_STATUS } from './exit-status';
import { say } from './report';
import { finishSummaryBeforeExit } from './json-summary';

/** How long the clean-up after a signal may wait for the server. */
export const GRACE_MS = 10_000;

// What a clean-up cut short may leave (a local temporary file is removed at exit), and what removes it.
const LEFT = 'an upload over SFTP may leave its temporary file .NAME.scpipe-XXXXXX on the server: put --remove-stale removes it on a later run';

let committed = false;

/** The library's onCommitted: from now on a signal leaves what was asked done (exit 0). */
export function transferCommitted(): void {
  committed = true;
}

/** onCommitted for `count` transfers (several targets): committed once every one is. */
export function transfersCommitted(count: number): () => void {
  let left = count;
  return () => {
    if (--left === 0) transferCommitted();
  };
}

/** What is said when a signal came after the commit point. */
export function cameAfterCommit(name: string): string {
  return `${name} came after the transfer was complete: nothing was cut short, exit 0`;
}

// Says `message` on a line of its own (erasing a progress line) and exits with
// the signal's status, or 0 after the commit point.
function exitNow(message: string, name: keyof typeof SIGNAL_STATUS): never {
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  say(message);
  const status = committed ? 0 : SIGNAL_STATUS[name];
  // --json promises one summary for every run, this one too.
  finishSummaryBeforeExit(committed ? undefined : new ScpipeError('ERR_ABORTED', message, { signal: name }), status);
  process.exit(status);
}

/**
 * An AbortSignal that fires on SIGINT/SIGTERM/SIGHUP; `release()` removes the
 * handlers. With `again`, a later signal calls it instead of exiting, and no
 * GRACE_MS timer runs: the caller (serve) bounds its own stop.
 */
export function abortOnSignals(again?: (name: keyof typeof SIGNAL_STATUS) => void): { signal: AbortSignal; release: () => void } {
  const ac = new AbortController();
  committed = false;
  const handlers = (Object.keys(SIGNAL_STATUS) as (keyof typeof SIGNAL_STATUS)[]).map((name) => {
    const handler = (): void => {
      // Ctrl-C pressed twice: what the clean-up had not done yet (an SFTP
      // temporary file to remove, the message naming what is left) is not
      // done, and the user is told, on a line of its own, not after the progress.
      if (ac.signal.aborted && again) return again(name);
      if (ac.signal.aborted) exitNow(committed ? cameAfterCommit(firstOf(ac.signal)) : `interrupted by ${name} again: exiting without waiting for the clean-up (${LEFT})`, name);
      cancelQuestionOnTty(name); // a host-key or passphrase question: end its line first
      ac.abort(abortError({ reason: name } as AbortSignal));
      if (again) return;
      setTimeout(() => {
        exitNow(committed ? cameAfterCommit(name) : `interrupted by ${name}; the server did not answer for ${GRACE_MS / 1000} s: exiting without it (${LEFT})`, name);
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

// The name of the signal that aborted the run (the first).
function firstOf(signal: AbortSignal): string {
  return (signal.reason as ScpipeError).signal ?? 'the signal';
}
