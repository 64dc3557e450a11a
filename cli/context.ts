// What every command handler gets: a runner that installs signal handling,
// sets up -v logging, and turns the outcome into the process exit status.
import type { ScpipeError } from '../lib';
import { exitStatusFor } from './exit-status';
import { AlreadyReported, say, sayFailure } from './report';
import { escapeControls } from '../lib/internal';
import { abortOnSignals, cameAfterCommit } from './signals';
import { finishSummary, refuseClosedSummary } from './json-summary';
import { versionLine } from './versions';
import { eraseLine } from './erase-line';

/** Runs a command body; records its exit status. */
export interface CommandContext {
  /** `again`: what a signal after the first does (abortOnSignals); by default, exit at once. */
  run(body: (signal: AbortSignal, log?: (line: string) => void) => Promise<void>, again?: (name: string) => void): Promise<void>;
  readonly status: number;
}

/** A context whose `-v` logging is on when `verbose()` says so. */
export function createContext(verbose: () => boolean): CommandContext {
  let status = 0;
  return {
    get status() {
      return status;
    },
    async run(body, again) {
      const { signal, release } = abortOnSignals(again);
      // On a terminal a -v line first erases the progress line it would land on (the next update redraws it).
      const erase = process.stderr.isTTY ? eraseLine(process.stderr.columns || 80) : '';
      const log = verbose() ? (line: string) => process.stderr.write(`${erase}scpipe: ${escapeControls(line)}\n`) : undefined;
      log?.(versionLine());
      if (!again) signal.addEventListener('abort', () => log?.(`${(signal.reason as Error).message}: stopping`), { once: true });
      let failure: unknown;
      try {
        refuseClosedSummary();
        await body(signal, log);
        status = 0;
        // The library resolves only when its commit point came before the signal: what
        // was asked is done, so a script's `&& rm` may run; said, as the signal was seen.
        if (signal.aborted && !again) say(cameAfterCommit((signal.reason as ScpipeError).signal ?? 'the signal'));
      } catch (err) {
        failure = err instanceof AlreadyReported ? err.error : err;
        if (err instanceof AlreadyReported) {
          status = exitStatusFor(err.error);
        } else {
          status = exitStatusFor(err);
          sayFailure(err);
        }
      } finally {
        const lost = await finishSummary(failure, status); // --json
        if (lost && status === 0) {
          status = exitStatusFor(lost);
          sayFailure(lost);
        }
        release();
      }
    },
  };
}
