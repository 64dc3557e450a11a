// What every send of a parts upload shares (send.ts SendContext): the
// protocol, the lanes, the stale temporary files' sweep or look, and a
// note of any retry and of what it left remotely, which the error of an
// incomplete set mentions.
import { isScpipeError } from '../../errors';
import type { Reconnector } from '../reconnect';
import type { RetryEvent } from '../retry';
import { Lanes } from './lanes';
import { LeftFiles } from './left-parts';
import type { PartsOptions } from './options';
import { staleSweepOnce, type PartsProtocol, type SendContext } from './send';

/** A run's SendContext, and what it tells of the run. */
export interface PartsContext {
  ctx: SendContext;
  protocol: PartsProtocol;
  /** Says the parts now go over SFTP, and why (-v). */
  toSftp: (why: string) => void;
  /** True once a send was retried. */
  retried: () => boolean;
  /** What the attempts that were retried left remotely. */
  left: LeftFiles;
}

/** The context of a run of `name` over `conn`, `parallel` parts at once, stopped by `signal`. */
export function partsContext(opts: PartsOptions, conn: Reconnector, name: string, parallel: number, signal: AbortSignal): PartsContext {
  let retried = false;
  const left = new LeftFiles();
  // SCP unless asked for SFTP; under auto, SFTP where the host allows only that (send.ts).
  const protocol: PartsProtocol = { now: opts.protocol === 'sftp' ? 'sftp' : 'scp', fallback: (opts.protocol ?? 'auto') === 'auto' };
  const toSftp = (why: string): void => {
    opts.trace?.(`protocol: sftp for the parts (${why})`);
    opts.onProtocol?.('sftp');
  };
  opts.onProtocol?.(protocol.now);
  const ctx: SendContext = {
    ...opts,
    conn,
    protocol,
    leftBehind: new Map(),
    onProtocol: (_p, why) => toSftp(why),
    lanes: new Lanes(parallel, signal),
    signal,
    staleSweep: opts.removeStale ? staleSweepOnce(name, opts.onStaleRemoved, opts.onStaleKept, opts.onStaleRefused) : undefined,
    staleLook: !opts.removeStale && (opts.onStaleFound || opts.onOthersStaleFound) ? { name, claimed: false, onFound: opts.onStaleFound } : undefined,
    onRetry: (event: RetryEvent & { file: string }) => {
      retried = true;
      if (isScpipeError(event.error)) left.note(event.error.cutShort);
      opts.onRetry?.(event);
    },
  };
  return { ctx, protocol, toSftp, retried: () => retried, left };
}
