// cp's retries: a lost connection is made again (retry.ts's backoff), and
// the copy goes on with the sources not finished yet; the one cut short is
// copied again from its start (a file lands whole or not at all, except a
// remote file over SCP, which is written again). A retry speaks the
// protocol the first attempt found, and puts the sources where the first
// attempt put them (the callers keep the target as first resolved).
import { isScpipeError, type ScpipeError } from '../errors';
import { ChannelOpener, type Target } from './connection';
import type { CopyOptions } from './copy-types';
import { chooseProtocol, type Choice } from './protocol-choice';
import { canReconnect, isConnectionLoss } from './reconnect';
import { withRetries } from './retry';

/**
 * One attempt: the protocol chosen (an SFTP session is the attempt's to
 * end), the options to pass on (their onProblem collects), and the problems
 * so far, for one that was not reported through onProblem.
 */
export type CopyAttempt<T> = (opener: ChannelOpener, chosen: Choice, opts: CopyOptions, problems: Problems) => Promise<T>;

/**
 * The problems of a copy: the first, thrown at the end, and which errors
 * were problems. Only the first is held: a hostile remote can send `\1`
 * lines without end, and each was said as it came.
 */
export class Problems {
  private firstOne: ScpipeError | undefined;
  private readonly seen = new WeakSet<object>();

  get first(): ScpipeError | undefined {
    return this.firstOne;
  }

  add(err: ScpipeError): void {
    this.firstOne ??= err;
    this.seen.add(err);
  }

  has(err: unknown): boolean {
    return typeof err === 'object' && err !== null && this.seen.has(err);
  }
}

/**
 * Runs `attempt` until it finishes, retrying after a lost connection while
 * `mayRetry(protocol)` allows it. Problems with single items are collected
 * over every attempt: the first of them is thrown at the end, as without a retry.
 */
export async function copyWithRetries<T>(
  target: Target, opts: CopyOptions, source: () => string, attempt: CopyAttempt<T>, mayRetry: (protocol: 'scp' | 'sftp') => boolean = () => true,
): Promise<T> {
  const problems = new Problems();
  const attemptOpts: CopyOptions = {
    ...opts,
    onProblem: (err) => {
      problems.add(err);
      opts.onProblem?.(err);
    },
  };
  let protocol = opts.protocol ?? (opts.quote === 'none' ? 'scp' : 'auto');
  let connected = false; // the first connection never made is final (exit 255): nothing was lost
  let said = false; // the protocol chosen and said: a retry speaks it again, unsaid
  try {
    const result = await withRetries(
      async () => {
        const opener = new ChannelOpener(target, opts.trace);
        try {
          const chosen = await chooseProtocol(opener, protocol, opts.signal, said ? undefined : opts.trace, said ? undefined : opts.onProtocol);
          said = true;
          protocol = 'session' in chosen ? 'sftp' : 'scp';
          return await attempt(opener, chosen, attemptOpts, problems);
        } finally {
          // Under --protocol scp nothing connects before the first file's channel.
          connected ||= opener.reached;
          opener.close();
        }
      },
      {
        retries: opts.retries,
        backoffMs: opts.backoffMs,
        signal: opts.signal,
        onRetry: opts.onRetry && ((e) => opts.onRetry!({ ...e, source: source() })),
        // Still auto: lost while the sftp subsystem opened, before anything was copied.
        // No refusal, so the retry asks for SFTP again (under auto only a refusal means SCP).
        isRetryable: (err) => connected && canReconnect(target) && isConnectionLoss(err) && (protocol === 'auto' || mayRetry(protocol)),
      },
    );
    if (problems.first) throw problems.first;
    return result;
  } catch (err) {
    // An item's problem thrown by the last attempt: the first of all attempts is the one to tell.
    throw problems.first && isScpipeError(err) && problems.has(err) ? problems.first : err;
  }
}
