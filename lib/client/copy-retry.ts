// cp's retries: a lost connection is made again (retry.ts's backoff), and
// the copy goes on with the sources not finished yet; the one cut short is
// copied again from its start (a file lands whole or not at all, except a
// remote file over SCP, which is written again). A retry speaks the
// protocol the first attempt found, and puts the sources where the first
// attempt put them (the callers keep the target as first resolved).
import { isScpipeError, type ScpipeError } from '../errors';
import { ChannelOpener, type Target } from './connection';
import type { CopyOptions } from './copy';
import { chooseProtocol, type Choice } from './protocol-choice';
import { canReconnect, isConnectionLoss } from './reconnect';
import { withRetries } from './retry';

/**
 * One attempt: the protocol chosen (an SFTP session is the attempt's to
 * end), the options to pass on (their onProblem collects), and the problems
 * so far, for one that was not reported through onProblem.
 */
export type CopyAttempt<T> = (opener: ChannelOpener, chosen: Choice, opts: CopyOptions, problems: ScpipeError[]) => Promise<T>;

/**
 * Runs `attempt` until it finishes, retrying after a lost connection while
 * `mayRetry(protocol)` allows it. Problems with single items are collected
 * over every attempt: the first of them is thrown at the end, as without a retry.
 */
export async function copyWithRetries<T>(
  target: Target, opts: CopyOptions, source: () => string, attempt: CopyAttempt<T>, mayRetry: (protocol: 'scp' | 'sftp') => boolean = () => true,
): Promise<T> {
  const problems: ScpipeError[] = [];
  const attemptOpts: CopyOptions = {
    ...opts,
    onProblem: (err) => {
      problems.push(err);
      opts.onProblem?.(err);
    },
  };
  let protocol = opts.protocol ?? (opts.quote === 'none' ? 'scp' : 'auto');
  let connected = false; // the first connection never made is final (exit 255): nothing was lost
  try {
    const result = await withRetries(
      async () => {
        const opener = new ChannelOpener(target, opts.trace);
        try {
          // A retry's protocol was said, and chosen, by the first attempt.
          const chosen = await chooseProtocol(opener, protocol, opts.signal, connected ? undefined : opts.trace, connected ? undefined : opts.onProtocol);
          connected = true;
          protocol = 'session' in chosen ? 'sftp' : 'scp';
          return await attempt(opener, chosen, attemptOpts, problems);
        } finally {
          opener.close();
        }
      },
      {
        retries: opts.retries,
        backoffMs: opts.backoffMs,
        signal: opts.signal,
        onRetry: opts.onRetry && ((e) => opts.onRetry!({ ...e, source: source() })),
        isRetryable: (err) => connected && canReconnect(target) && isConnectionLoss(err) && protocol !== 'auto' && mayRetry(protocol),
      },
    );
    if (problems[0]) throw problems[0];
    return result;
  } catch (err) {
    // An item's problem thrown by the last attempt: the first of all attempts is the one to tell.
    throw problems[0] && isScpipeError(err) && problems.includes(err) ? problems[0] : err;
  }
}
