// SIGINT / SIGTERM / SIGHUP (the terminal or the SSH session that ran us is
// gone) abort the transfer through an AbortSignal, so the spool is removed
// and the channel closed before we exit 130 / 143 / 129. A second signal
// exits at once (the spool file is already unlinked, or removed by its exit hook),
// and so does the first one after GRACE_MS: the clean-up may wait for a
// server that never answers (an SFTP temporary file to remove). Either says so.
// Once the library said the commit point passed (transferCommitted), the data
// is stored whatever comes next: either exit is then 0, said as such.
import { ScpipeError, abortError, escapeForTerminal } from '../lib';
import { cancelQuestionOnTty, testLowered, withMessage } from '../lib/internal';
import { SIGNAL_STATUS } from './exit-status';
import { say } from './report';
import { finishSummaryBeforeExit } from './json-summary';

/** How long the clean-up after a signal may wait for the server. */
export const GRACE_MS = testLowered('GRACE_MS', 10_000);

// What a clean-up cut short may leave (a local temporary file is removed at exit), and what removes it.
const LEFT = 'an upload over SFTP may leave its temporary file .NAME.scpipe-XXXXXX on the server: put --remove-stale removes it on a later run';

let committed = false;
// What the run failed with, caught before its clean-up: an exit that cuts the clean-up short still tells it.
let caught: unknown;
// The run that is over, when it is: what is left before the exit is what reads stdout taking the last bytes (runAndExit()).
let ended: AbortSignal | undefined;
let afterEndHandled = false;

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

/**
 * The run's failure, as a command caught it before its clean-up (stopping
 * the input command): an exit now keeps what it says was left (a file cut short).
 */
export function failureCaught(err: unknown): void {
  caught = err;
}

/** What is said when a signal came after the commit point. */
export function cameAfterCommit(name: string): string {
  return `${name} came after the transfer was complete: nothing was cut short, exit 0`;
}

// Says `message` on a line of its own (erasing a progress line) and exits with
// the signal's status, or 0 after the commit point.
function exitNow(message: string, name: keyof typeof SIGNAL_STATUS): never {
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  const failure = committed ? undefined : exitFailure(message, name);
  say(failure?.message ?? message);
  const status = committed ? 0 : SIGNAL_STATUS[name];
  // --json promises one summary for every run, this one too.
  finishSummaryBeforeExit(failure, status);
  process.exit(status);
}

// The failure an exit now ends the run with: the one caught, with its fields, told with `message` after its own.
function exitFailure(message: string, name: string): ScpipeError {
  if (caught === undefined) return new ScpipeError('ERR_ABORTED', message, { signal: name });
  const said = caught instanceof ScpipeError ? caught.message : escapeForTerminal(caught instanceof Error ? caught.message : String(caught));
  return withMessage(caught, `${said}; ${message}`, { code: 'ERR_ABORTED', signal: name });
}

/**
 * An AbortSignal that fires on SIGINT/SIGTERM/SIGHUP; `release()` removes the
 * handlers. With `again`, a later signal calls it instead of exiting, and no
 * GRACE_MS timer runs: the caller (serve) bounds its own stop.
 */
export function abortOnSignals(again?: (name: keyof typeof SIGNAL_STATUS) => void): { signal: AbortSignal; release: () => void } {
  const ac = new AbortController();
  committed = false;
  caught = undefined;
  ended = undefined;
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
        if (ended) exitUnread(`interrupted by ${name}; what reads stdout had not taken the last bytes after ${GRACE_MS / 1000} s: exiting without waiting for it`, name);
        exitNow(committed ? cameAfterCommit(name) : `interrupted by ${name}; the server did not answer for ${GRACE_MS / 1000} s: exiting without it (${LEFT})`, name);
      }, GRACE_MS).unref();
    };
    process.on(name, handler);
    return [name, handler] as const;
  });
  return {
    signal: ac.signal,
    release: () => {
      caught = undefined; // said by the run's end already
      // The after-run listeners first: Node drops a signal caught but not yet
      // dispatched when its last listener goes (libuv stops the handle it was caught on).
      if (!again) untilStdoutTaken(ac.signal);
      handlers.forEach(([name, h]) => process.off(name, h));
    },
  };
}

// After the run, the exit may wait for a slow reader of stdout (`| btrfs
// receive`): a signal then exits at once, saying the reader's stream is cut,
// rather than the process dying of it silently.
function untilStdoutTaken(signal: AbortSignal): void {
  ended = signal;
  if (afterEndHandled) return;
  afterEndHandled = true; // once per process: main() may run again in it (tests)
  for (const name of Object.keys(SIGNAL_STATUS) as (keyof typeof SIGNAL_STATUS)[]) {
    process.on(name, () => {
      if (!ended) return; // a run of its own handles it
      exitUnread(`interrupted by ${name}${ended.aborted ? ' again' : ''} before what reads stdout took the last bytes: it has a stream cut short there`, name);
    });
  }
}

// exitNow() with the signal's status even after the commit point: bytes the reader did not take are lost.
function exitUnread(message: string, name: keyof typeof SIGNAL_STATUS): never {
  committed = false;
  exitNow(message, name);
}

// The name of the signal that aborted the run (the first).
function firstOf(signal: AbortSignal): string {
  return (signal.reason as ScpipeError).signal ?? 'the signal';
}
