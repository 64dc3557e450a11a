// Sends one file of a parts set (a part or the manifest) over a lane: its
// own channel running `scp -t`, or over SFTP (put over SFTP: a temporary
// name renamed when whole) where the host allows only SFTP, on the shared
// connection. A refused channel retires the lane and tries the next; a lost
// connection is retried from the part's spool after reconnecting
// (retry.ts), a \1/\2 reply or an SFTP status is final.
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { putOverChannel } from '../scp-put';
import type { PutInput } from '../put-types';
import { isScpipeError, type ScpipeError } from '../../errors';
import { escapeForTerminal } from '../../util/escape';
import type { RemoteCommandOptions } from '../../protocol/command';
import { isChannelRefused, isConnectionLoss, type Reconnector } from '../reconnect';
import { wereRetriesSpent, withRetries, type RetryEvent, type RetryTally } from '../retry';
import { scpRefusalHint } from '../protocol-choice';
import { putSftp } from '../sftp-put';
import type { OnGeneration } from '../sftp-resume';
import type { ChannelOpener } from '../connection';
import { removeLeftBehind } from '../sftp-left-behind';
import type { Lanes } from './lanes';
import { isSetTempName } from './names';
import { asResent } from '../temp-gone';
import type { OthersStale } from '../sftp-stale';

/**
 * The protocol the parts go over: SCP unless asked for SFTP; under `auto`,
 * the first `scp -t` an sftp-only host refuses turns the run to SFTP
 * (`fallback`), and the refused file goes again at once.
 */
export interface PartsProtocol {
  now: 'scp' | 'sftp';
  fallback: boolean;
}

/** What every send of a run shares. */
export interface SendContext extends RemoteCommandOptions {
  conn: Reconnector;
  lanes: Lanes;
  protocol: PartsProtocol;
  /** Over SFTP: an existing file of the name is not replaced (the plain rename refuses). */
  noClobber?: boolean;
  onProtocol?: (protocol: 'scp' | 'sftp', why: string) => void;
  /** Over SFTP: temporary files of a lost attempt, by target path, removed by the next attempt. */
  leftBehind?: Map<string, string[]>;
  /** One of them the server would not remove (PutOptions.onTempKept). */
  onTempKept?: (path: string, error: ScpipeError) => void;
  signal: AbortSignal;
  mode?: number;
  retries?: number;
  backoffMs?: readonly number[];
  trace?: (line: string) => void;
  onStderrLine?: (line: string) => void;
  onRetry?: (event: RetryEvent & { file: string }) => void;
  /** This file's retries so far, when it had some before its send (part 0's --no-clobber look): --retries N bounds them together. */
  retryTally?: RetryTally;
  /** --remove-stale: swept by the first part to go over SFTP, before any other part makes its temporary file. */
  staleSweep?: StaleSweepOnce;
  /**
   * Unasked: the first part to go over SFTP looks for the set's leftovers
   * while it goes and names those past STALE_AFTER_S, as a single-file
   * upload does (sftp-stale.ts); one look, cut short soon after that part is stored.
   */
  staleLook?: { name: string; claimed: boolean; onFound?: (path: string, ageS: number, bytes: number) => void };
  /** Told once, by the part that sweeps or looks, of other names' stale temporary files there. */
  onOthersStaleFound?: (found: OthersStale) => void;
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

/**
 * Sends `size` bytes that `body()` yields afresh for each attempt as `dir + name`; `onLane` hears each attempt take a lane (true) and leave it (false),
 * `onCommitted` an SCP attempt's last ack (its file whole remotely), also when the wait for scp's exit status then fails.
 */
export async function sendFile(
  ctx: SendContext,
  dir: string,
  name: string,
  size: bigint,
  body: () => PutInput,
  onBytes?: (sent: bigint) => void,
  onLane?: (holding: boolean) => void,
  onCommitted?: () => void,
): Promise<Sent> {
  let attempts = 0;
  let using: 'scp' | 'sftp' = ctx.protocol.now;
  let lost: number | undefined; // the generation of the connection this send's last attempt lost
  return withRetries(
    async () => {
      for (;;) {
        const lane = await ctx.lanes.acquire();
        // Given back (or retired) once, in `finally`, whatever throws after it is taken: a lost lane would stall the set.
        let laneHeld = true;
        const giveBack = (): void => {
          if (laneHeld) ctx.lanes.release(lane);
          laneHeld = false;
        };
        let input: PutInput | undefined;
        onLane?.(true);
        try {
          const current = ctx.conn.current();
          const { open } = current;
          // The connection this attempt is on: put over SFTP moves it on as it reconnects by itself.
          const on: OnGeneration = { generation: current.generation };
          attempts++;
          const started = performance.now();
          input = body();
          using = ctx.protocol.now;
          try {
            if (using === 'sftp') {
              await sendSftp(ctx, current.opener, on, dir + name, size, input, onBytes);
              giveBack();
              return { lane, attempts, ms: performance.now() - started };
            }
            await putOverChannel(open, dir + name, input, {
              size,
              name,
              mode: ctx.mode,
              signal: ctx.signal,
              // Parts go several at once: each line of their traces says whose it is.
              trace: ctx.trace && ((line) => ctx.trace!(`${escapeForTerminal(name)}: ${line}`)),
              quote: ctx.quote,
              scpPath: ctx.scpPath,
              remoteVerbose: ctx.remoteVerbose,
              onStderrLine: ctx.onStderrLine,
              onProgress: onBytes && ((p) => p.phase === 'transfer' && onBytes(p.bytes)),
              onCommitted,
            });
            giveBack();
            return { lane, attempts, ms: performance.now() - started };
          } catch (err) {
            // Refused as SCP (this one, or several sent at once): again over SFTP, said once.
            const refused = ctx.protocol.fallback && using === 'scp' ? scpRefusalHint(err, 'auto', 'the parts go over SFTP') : err;
            if (refused !== err) {
              if (ctx.protocol.now === 'scp') ctx.onProtocol?.('sftp', (refused as Error).message);
              ctx.protocol.now = 'sftp';
              giveBack();
              attempts--; // finding the protocol is not a failed attempt
              continue;
            }
            if (isChannelRefused(err) && ctx.lanes.retire()) {
              laneHeld = false; // retired, not given back
              ctx.onRefused?.(ctx.lanes.capacity, err.message);
              continue;
            }
            giveBack();
            if (isConnectionLoss(err)) {
              lost = on.generation;
              ctx.conn.renew(on.generation);
            }
            throw err;
          }
        } finally {
          giveBack();
          onLane?.(false);
          if (input instanceof Readable) input.destroy();
        }
      }
    },
    {
      retries: ctx.retries,
      backoffMs: ctx.backoffMs,
      // Over SFTP put's own retries resume the file where it was: spent, they are not begun again.
      // A temporary file gone at the resume or the rename (removed by hand, by a cleanup script, or by a
      // server that removes what a stop cut): the part is spooled, and goes again whole.
      isRetryable: (err) => ctx.conn.canReconnect && ((isConnectionLoss(err) && !(using === 'sftp' && wereRetriesSpent(err))) || (using === 'sftp' && isScpipeError(err) && err.tempGone === true)),
      signal: ctx.signal,
      onRetry: ctx.onRetry && ((event) => ctx.onRetry!({ ...event, error: asResent(event.error), file: name, sharedReconnection: lost !== undefined && !ctx.conn.firstRetryAfter(lost) })),
    },
    ctx.retryTally,
  );
}

/** The one sweep of a set's stale temporary files (sftp-stale.ts), and when it is over. */
export interface StaleSweepOnce {
  name: string;
  claimed: boolean;
  over: Promise<void>;
  end: () => void;
  onRemoved?: (path: string) => void;
  onKept?: (path: string, ageS: number) => void;
  onRefused?: (path: string, reason: string, left: number) => void;
}

/** A sweep for set `name`, to be done once. */
export function staleSweepOnce(name: string, onRemoved?: (path: string) => void, onKept?: (path: string, ageS: number) => void, onRefused?: StaleSweepOnce['onRefused']): StaleSweepOnce {
  let end = (): void => undefined;
  const over = new Promise<void>((resolve) => (end = resolve));
  return { name, claimed: false, over, end, onRemoved, onKept, onRefused };
}

// One file over its own SFTP channel, as put over SFTP sends it: into a
// temporary name, resumed in place after a lost connection, renamed onto
// `path` when whole (so a part is there whole or not at all).
async function sendSftp(ctx: SendContext, opener: ChannelOpener, on: OnGeneration, path: string, size: bigint, input: PutInput, onBytes?: (sent: bigint) => void): Promise<void> {
  // Named for its part, so a stall on it is said as such by the parts it cut short, as over SCP;
  // the session a lost connection opens again for it (sftp-resume.ts) is named so too.
  const sessionFor = `for ${escapeForTerminal(path)}`;
  const session = await opener.sftpSession(ctx.signal, sessionFor);
  // The first part to go sweeps; the others wait, so that none of this run's own is taken for stale.
  const sweep = ctx.staleSweep;
  const mine = sweep !== undefined && !sweep.claimed;
  if (mine) sweep.claimed = true;
  const look = ctx.staleLook !== undefined && !ctx.staleLook.claimed ? ctx.staleLook : undefined;
  if (look) look.claimed = true;
  try {
    // What an earlier attempt at this file could not remove (its session was lost).
    const left = ctx.leftBehind?.get(path);
    if (left) await removeLeftBehind(session, left, ctx.trace, ctx.onTempKept);
    ctx.leftBehind?.delete(path);
    if (!mine) await sweep?.over;
    await putSftp(ctx.conn, { session, ms: 0, on }, path, input, {
      removeStale: mine,
      staleNames: mine ? (file) => isSetTempName(file, sweep!.name) : look ? (file) => isSetTempName(file, look.name) : undefined,
      onStaleFound: look?.onFound,
      onOthersStaleFound: mine || look ? ctx.onOthersStaleFound : undefined,
      onStaleRemoved: sweep?.onRemoved,
      onStaleKept: sweep?.onKept,
      onStaleRefused: sweep?.onRefused,
      onSwept: mine ? sweep!.end : undefined,
      size,
      mode: ctx.mode,
      parallel: 1,
      signal: ctx.signal,
      noClobber: ctx.noClobber,
      retries: ctx.retries,
      backoffMs: ctx.backoffMs,
      onRetry: ctx.onRetry && ((event) => ctx.onRetry!({ ...event, file: path.slice(path.lastIndexOf('/') + 1) })),
      onProgress: onBytes && ((p) => p.phase === 'transfer' && onBytes(p.bytes)),
      onLeftBehind: (temp) => ctx.leftBehind?.set(path, [...(ctx.leftBehind.get(path) ?? []), temp]),
      onTempKept: ctx.onTempKept,
      sessionFor,
    });
  } finally {
    if (mine) sweep!.end(); // failed before its sweep: the others go on without
    session.end();
  }
}
