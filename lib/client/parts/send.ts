// Sends one file of a parts set (a part or the manifest) over a lane: its
// own channel running `scp -t`, on the shared connection. A refused channel
// retires the lane and tries the next; a lost connection is retried from
// the part's spool after reconnecting (retry.ts), a \1/\2 reply is final.
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { putOverChannel, type PutInput } from '../put';
import type { RemoteCommandOptions } from '../../protocol/command';
import { isChannelRefused, isConnectionLoss, type Reconnector } from '../reconnect';
import { withRetries, type RetryEvent } from '../retry';
import type { Lanes } from './lanes';

/** What every send of a run shares. */
export interface SendContext extends RemoteCommandOptions {
  conn: Reconnector;
  lanes: Lanes;
  signal: AbortSignal;
  mode?: number;
  retries?: number;
  backoffMs?: readonly number[];
  trace?: (line: string) => void;
  onStderrLine?: (line: string) => void;
  onRetry?: (event: RetryEvent & { file: string }) => void;
  /** A lane was retired because the server refused a channel. */
  onRefused?: (lanesLeft: number, message: string) => void;
}

/** How a send went. */
export interface Sent {
  lane: number;
  attempts: number;
  /** Time of the last, successful attempt. */
  ms: number;
}

/** Sends `size` bytes that `body()` yields afresh for each attempt as `dir + name`. */
export async function sendFile(
  ctx: SendContext,
  dir: string,
  name: string,
  size: bigint,
  body: () => PutInput,
  onBytes?: (sent: bigint) => void,
): Promise<Sent> {
  let attempts = 0;
  return withRetries(
    async () => {
      for (;;) {
        const lane = await ctx.lanes.acquire();
        const { open, generation } = ctx.conn.current();
        attempts++;
        const started = performance.now();
        const input = body();
        try {
          await putOverChannel(open, dir + name, input, {
            size,
            name,
            mode: ctx.mode,
            signal: ctx.signal,
            trace: ctx.trace,
            quote: ctx.quote,
            scpPath: ctx.scpPath,
            remoteVerbose: ctx.remoteVerbose,
            onStderrLine: ctx.onStderrLine,
            onProgress: onBytes && ((p) => p.phase === 'transfer' && onBytes(p.bytes)),
          });
          ctx.lanes.release(lane);
          return { lane, attempts, ms: performance.now() - started };
        } catch (err) {
          if (isChannelRefused(err) && ctx.lanes.retire()) {
            ctx.onRefused?.(ctx.lanes.capacity, err.message);
            continue;
          }
          ctx.lanes.release(lane);
          if (isConnectionLoss(err)) ctx.conn.renew(generation);
          throw err;
        } finally {
          if (input instanceof Readable) input.destroy();
        }
      }
    },
    {
      retries: ctx.retries,
      backoffMs: ctx.backoffMs,
      isRetryable: (err) => ctx.conn.canReconnect && isConnectionLoss(err),
      signal: ctx.signal,
      onRetry: ctx.onRetry && ((event) => ctx.onRetry!({ ...event, file: name })),
    },
  );
}
