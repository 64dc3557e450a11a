// A generic reconnect/backoff policy: run an attempt, and when it fails with
// an error the caller calls retryable (a dropped connection, not a refusal),
// wait and run it again, up to `retries` more times. Used by parts, by
// single-file put from the spool, and by get.
import { ScpipeError, abortError, isScpipeError, throwIfAborted, withMessage } from '../errors';
import { mostLeft } from '../protocol/cut-short';
import { onAbort } from '../util/abort';

/** Retries when nothing else is said: a few, their waits spread over minutes (see DEFAULT_BACKOFF_MS); each attempt's own time comes on top. */
export const DEFAULT_RETRIES = 5;

/**
 * Waits before retry 1, 2, ...; past the end, the last one again. The first
 * is short (a connection reset is often over at once), the later ones ride
 * out a server restart or a router reboot: 5 retries wait about 3.5 minutes
 * in all, besides the time each attempt takes to fail (docs/failures.md#retries).
 */
export const DEFAULT_BACKOFF_MS: readonly number[] = [1_000, 5_000, 15_000, 60_000, 120_000];

/**
 * How far one connection must move a transfer on (bytes kept: acknowledged
 * by the server, or handed on) for its loss to begin the count of retries
 * anew. Less is no headway (a link that drops every transfer after a few
 * KiB, a server that takes one write and then fails): such losses in a row
 * share the retries, so the run ends instead of crawling on for ever.
 */
export const HEADWAY_BYTES = 16 * 1024 * 1024;

/** HEADWAY_BYTES as messages and the docs say it. */
export const HEADWAY = `${HEADWAY_BYTES / (1024 * 1024)} MiB`;

/** A transfer's retries spent since its count began, and the bytes it kept at its last loss. */
export interface RetryTally {
  spent: number;
  kept: number;
}

/**
 * The one rule of every retry: at a loss with `kept` bytes kept, the count
 * begins anew when the connection just lost moved the transfer on by
 * HEADWAY_BYTES. What sends a file or part again from its start keeps 0, so
 * its retries are N in all.
 */
export function countLoss(tally: RetryTally, kept: number): void {
  if (kept - tally.kept >= HEADWAY_BYTES) tally.spent = 0;
  tally.kept = Math.max(tally.kept, kept);
}

/** What happened before a retry, for `onRetry`. */
export interface RetryEvent {
  /** 1 for the first retry. */
  retry: number;
  retries: number;
  delayMs: number;
  error: unknown;
  /**
   * True when this retry waits for a connection another file's retry is
   * already making again (parts in flight together, one lost connection):
   * one reconnection, several retries.
   */
  sharedReconnection?: boolean;
}

/** How to retry. */
export interface RetryPolicy {
  /** Further attempts after the first (0: none). */
  retries?: number;
  /** Waits before each retry, in ms (default DEFAULT_BACKOFF_MS). */
  backoffMs?: readonly number[];
  /** Which failures are worth another attempt; others are thrown at once. */
  isRetryable: (error: unknown) => boolean;
  /** Stops waiting and retrying: rejects with abortError(signal). */
  signal?: AbortSignal;
  /** Told before each wait (e.g. a line on stderr). */
  onRetry?: (event: RetryEvent) => void;
}

/** The wait before retry `retry` (1-based). */
export function backoffDelay(retry: number, backoffMs: readonly number[] = DEFAULT_BACKOFF_MS): number {
  if (backoffMs.length === 0) return 0;
  return backoffMs[Math.min(retry, backoffMs.length) - 1]!;
}

/**
 * Runs `attempt(n)` (n = 0, 1, ...) until it resolves, fails for good, or the retries are spent;
 * `tally`: the count to go on with, shared by calls that are one file's retries (part 0's --no-clobber look and its send).
 */
export async function withRetries<T>(attempt: (n: number) => Promise<T>, policy: RetryPolicy, tally: RetryTally = { spent: 0, kept: 0 }): Promise<T> {
  const retries = policy.retries ?? DEFAULT_RETRIES;
  // every attempt sends from the start, keeping nothing (countLoss): N in all
  let first: unknown;
  for (let n = 0; ; n++) {
    if (first !== undefined && policy.signal?.aborted) throw abortedAfter(policy.signal, first);
    throwIfAborted(policy.signal);
    try {
      return await attempt(n);
    } catch (error) {
      // An abort that says what it cut short (cut-short.ts), what was stored all the same, or the files it left (temps-left.ts), is kept.
      if (policy.signal?.aborted) throw isScpipeError(error) && (error.cutShort || error.stored || error.tempsLeft) ? error : abortedAfter(policy.signal, first);
      if (!policy.isRetryable(error)) throw first === undefined ? error : retryRefused(first, error, n);
      first ??= error;
      countLoss(tally, 0);
      if (tally.spent >= retries) throw markRetriesSpent(retriesSpent(first, error, tally.spent));
      const retry = ++tally.spent;
      const delayMs = backoffDelay(retry, policy.backoffMs);
      policy.onRetry?.({ retry, retries, delayMs, error });
      try {
        await sleep(delayMs, policy.signal); // throws at once when already aborted (in onRetry)
      } catch (err) {
        throw policy.signal?.aborted ? abortedAfter(policy.signal, first) : err;
      }
    }
  }
}

// A signal between attempts: what the first loss left remotely (a file cut
// short under the target's name) is still said, as a signal mid-transfer says it.
function abortedAfter(signal: AbortSignal, first: unknown): ScpipeError {
  const abort = abortError(signal);
  if (!isScpipeError(first) || first.cutShort === undefined) return abort;
  return withMessage(abort, `${abort.message} while retrying: ${first.message}`, { code: 'ERR_ABORTED', cutShort: first.cutShort, cause: abort });
}

/**
 * Marks `error` as the failure a run of retries ended with (its
 * `retriesSpent`), so an outer loop (getTo, a part's) does not start the same
 * retries over again; returns it.
 */
export function markRetriesSpent<T>(error: T): T {
  // Not enumerable: an error made from this one's fields ({ ...err }) spent no retries.
  if (isScpipeError(error)) Object.defineProperty(error, 'retriesSpent', { value: true, enumerable: false, configurable: true });
  return error;
}

/** True when `error` ended a run of retries already. */
export function wereRetriesSpent(error: unknown): boolean {
  return isScpipeError(error) && error.retriesSpent === true;
}

/** Resolves after `ms`, or rejects with abortError(signal) when it fires first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  throwIfAborted(signal);
  return new Promise<void>((resolve, reject) => {
    // The timer after the listener: if listening throws, no timer fires into `unlink` unmade.
    let timer: NodeJS.Timeout | undefined;
    const unlink = onAbort(signal, () => {
      clearTimeout(timer);
      reject(abortError(signal));
    });
    timer = setTimeout(() => {
      unlink();
      resolve();
    }, ms);
  });
}

/**
 * The error once `retries` retries after `first` failed too: the first loss
 * says what went wrong (a keepalive timeout, a killed connection), the last
 * why it could not be mended. Lost connection (exit 1), also when the last
 * attempt could not connect at all.
 */
export function retriesSpent(first: unknown, last: unknown, retries: number): unknown {
  if (retries === 0 || first === last || !isScpipeError(first) || !isScpipeError(last)) return last;
  const code = last.code === 'ERR_CONNECT' || last.code === 'ERR_CONNECT_TIMEOUT' ? 'ERR_LOST_CONNECTION' : last.code;
  const cutShort = mostLeft(first.cutShort, last.cutShort); // what the remote file was left as
  return withMessage(last, `${first.message}; ${retries} ${retries === 1 ? 'retry' : 'retries'} failed too, the last: ${last.message}`, { code, cutShort, cause: last });
}

// Refusals at the login: the retry never reached the remote, so what the first loss left there stands.
const AT_LOGIN = new Set(['ERR_AUTH', 'ERR_HOST_KEY_UNKNOWN', 'ERR_HOST_KEY_CHANGED', 'ERR_CONFIG']);

/**
 * The error once retry `retry` after `first` failed for good: refused at the
 * login (a host key that changed meanwhile, a key taken out of
 * authorized_keys), or refused by the remote before it wrote (the file made
 * read-only meanwhile), while the first loss left a remote file cut short.
 * The failure's code (a refusal's exit 255, as ssh's), with the first loss's
 * message, which says what it left remotely. Other failures as they are (a
 * missing file or directory: what was cut short went with it).
 */
export function retryRefused(first: unknown, last: unknown, retry: number): unknown {
  if (!isScpipeError(first) || !isScpipeError(last)) return last;
  const atLogin = AT_LOGIN.has(last.code);
  if (!atLogin && (first.cutShort === undefined || last.cutShort !== undefined || last.code === 'ERR_NO_SUCH_FILE')) return last;
  return withMessage(last, `${first.message}; retry ${retry} ${atLogin ? 'was refused' : 'failed'}: ${last.message}`, { cutShort: first.cutShort, cause: last });
}
