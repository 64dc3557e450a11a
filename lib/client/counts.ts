// The counts a caller gives, `--parallel` and `--retries`, checked before
// anything starts (a producer, a connection), in the CLI's words.
import { ScpipeError } from '../errors';

/** OpenSSH's default MaxSessions is 10; more channels than this help nobody. */
export const MAX_PARALLEL = 64;

/** ERR_USAGE unless `parallel` is 1 to MAX_PARALLEL and `retries` a whole number ≥ 0 (each where given). */
export function checkCounts(opts: { parallel?: number; retries?: number }): void {
  const { parallel, retries } = opts;
  if (parallel !== undefined && (!Number.isSafeInteger(parallel) || parallel < 1 || parallel > MAX_PARALLEL)) {
    throw new ScpipeError('ERR_USAGE', `bad --parallel ${String(parallel)}: give a whole number, 1 to ${MAX_PARALLEL}`);
  }
  if (retries !== undefined && (!Number.isSafeInteger(retries) || retries < 0)) {
    throw new ScpipeError('ERR_USAGE', `bad --retries ${String(retries)}: give a whole number, 0 or more`);
  }
}
