// A file of a parts set (a part or the manifest) as a download: through
// `scp -f`, or over SFTP where the set was found over SFTP (an sftp-only
// host), one channel per file as over SCP. A lost connection is this
// module's to retry (the file from its start).
import type { Download, GetOptions } from '../get-types';
import { getOverChannel } from '../scp-get';
import { getSftp } from '../sftp-get';
import { isChannelRefused, isConnectionLoss, type Reconnector } from '../reconnect';
import { withRetries } from '../retry';

/** One file of the set over the connection `current`. */
export async function fetchFile(conn: Reconnector, current: Current, path: string, opts: GetOptions): Promise<Download> {
  if (opts.protocol !== 'sftp') return getOverChannel(current.open, path, roleOf(opts));
  const signal = opts.signal ?? new AbortController().signal;
  const session = await current.opener.sftpSession(signal);
  try {
    return await getSftp(conn, { session }, path, { ...roleOf(opts), parallel: 1, retries: 0 });
  } catch (err) {
    session.end();
    throw err;
  }
}

/** The connection an attempt runs on. */
export type Current = ReturnType<Reconnector['current']>;

/** An attempt on the current connection, made again after a lost one. */
export function retrying<T>(conn: Reconnector, opts: GetOptions, attempt: (current: Current) => Promise<T>): Promise<T> {
  let lost: number | undefined; // the generation of the connection the last attempt lost
  return withRetries(
    async () => {
      const current = conn.current();
      const { generation } = current;
      try {
        return await attempt(current);
      } catch (err) {
        if (isConnectionLoss(err)) {
          lost = generation;
          conn.renew(generation);
        }
        throw err;
      }
    },
    {
      retries: opts.retries,
      backoffMs: opts.backoffMs,
      isRetryable: (err) => isChannelRefused(err) || (conn.canReconnect && isConnectionLoss(err)),
      signal: opts.signal,
      // The parts in flight on one lost connection wait for one reconnection (RetryEvent.sharedReconnection).
      onRetry: opts.onRetry && ((event) => opts.onRetry!({ ...event, sharedReconnection: lost !== undefined && !conn.firstRetryAfter(lost) })),
    },
  );
}

function roleOf(opts: GetOptions): GetOptions {
  return { signal: opts.signal, trace: opts.trace, quote: opts.quote, scpPath: opts.scpPath, onStderrLine: opts.onStderrLine, remoteVerbose: opts.remoteVerbose };
}
