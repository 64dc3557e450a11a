// Resuming an SFTP upload after a lost connection (docs/protocol.md §10,
// OpenSSH's way): connect again, open the temporary file again, truncate it
// to the resume point (everything below it was acknowledged; above it, only
// what is still held in memory is known to be right), and hand the writer
// new lanes; it sends every held chunk again. Each loss gets up to `retries`
// attempts with retry.ts's backoff, announced through onRetry.
import type { ScpipeError } from '../errors';
import type { WriteLane } from '../sftp/writer';
import { SftpSession } from '../sftp/session';
import { DEFAULT_RETRIES, backoffDelay, retriesSpent, sleep, type RetryEvent } from './retry';
import { isConnectionLoss, type Reconnector } from './reconnect';
import { openLanes } from './sftp-lanes';

/** Options of the resume. */
export interface ResumeOptions {
  /** Attempts per lost connection (default retry.ts DEFAULT_RETRIES; 0: none). */
  retries?: number;
  backoffMs?: readonly number[];
  signal?: AbortSignal;
  trace?: (line: string) => void;
  /** Told before each wait. */
  onRetry?: (event: RetryEvent) => void;
}

/** The writer's `recover`: new lanes on `temp` truncated to the resume point, or the last error. */
export function recoverer(conn: Reconnector, temp: string, laneCount: number, opts: ResumeOptions) {
  const retries = opts.retries ?? DEFAULT_RETRIES;
  return async (failure: ScpipeError, resumePoint: number): Promise<WriteLane[]> => {
    if (!conn.canReconnect) throw failure;
    let error: unknown = failure;
    for (let retry = 1; retry <= retries; retry++) {
      const delayMs = backoffDelay(retry, opts.backoffMs);
      opts.onRetry?.({ retry, retries, delayMs, error });
      await sleep(delayMs, opts.signal);
      const { generation } = conn.current();
      conn.renew(generation);
      try {
        return await reopen(conn, temp, laneCount, resumePoint, opts);
      } catch (err) {
        if (!isConnectionLoss(err)) throw err;
        error = err;
      }
    }
    throw retriesSpent(failure, error, retries);
  };
}

async function reopen(conn: Reconnector, temp: string, laneCount: number, resumePoint: number, opts: ResumeOptions): Promise<WriteLane[]> {
  const signal = opts.signal ?? new AbortController().signal;
  const { opener } = conn.current();
  const session = new SftpSession((await opener.sftp(signal)).session, 'sftp', opener.whyLost);
  const handle = await session.open(temp, 'r+');
  await session.fsetstat(handle, { size: resumePoint }, temp);
  opts.trace?.(`sftp: resuming at byte ${resumePoint}`);
  return [{ session, handle }, ...(await openLanes(opener, temp, laneCount - 1, signal, opts.trace))];
}
