// A connection that can be made again after it was lost: every attempt takes
// the current opener and its generation; the first attempt to fail with a
// loss replaces the opener, and the others, which saw the same generation,
// then use the new one instead of connecting once each.
import { isScpipeError } from '../errors';
import { ChannelOpener, type OpenChannel, type Target } from './connection';
import { isChannelRefused } from './connection-set';

export { isChannelRefused } from './connection-set';

/** Failures worth reconnecting for: the connection or the channel went away, or could not be made again. */
export function isConnectionLoss(err: unknown): boolean {
  if (!isScpipeError(err)) return false;
  if (err.code === 'ERR_CONNECT' || err.code === 'ERR_CONNECT_TIMEOUT') return true;
  // A remote command that ended with an exit status went away on its own: the connection held.
  if (err.code === 'ERR_LOST_CONNECTION') return typeof err.exitCode !== 'number';
  // The remote scp killed (not exited): its sshd went away under it.
  return err.code === 'ERR_REMOTE_EXIT' && err.exitSignal != null && !isChannelRefused(err);
}

/** True when a lost connection to `target` can be made again (not a caller's own Client). */
export function canReconnect(target: Target): boolean {
  return typeof (target as { exec?: unknown }).exec !== 'function';
}

/** See the file comment. */
export class Reconnector {
  private opener: ChannelOpener;
  private gen = 0;
  private dropped = new Set<number>();
  private retried = -1; // the newest generation whose loss a retry was announced for

  constructor(private readonly target: Target, private readonly log?: (line: string) => void) {
    this.opener = new ChannelOpener(target, log);
  }

  /** True when a lost connection can be made again (not a caller's own Client). */
  get canReconnect(): boolean {
    return canReconnect(this.target);
  }

  /** The opener to use now, and its generation for renew(). */
  current(): { open: OpenChannel; generation: number; opener: ChannelOpener } {
    return { open: this.opener.open, generation: this.gen, opener: this.opener };
  }

  /** After a loss seen on `generation`: the next attempt connects anew (once for all). */
  renew(generation: number): void {
    if (generation !== this.gen || !this.canReconnect) return;
    this.opener.close();
    this.opener = new ChannelOpener(this.target, this.log);
    this.gen++;
  }

  /**
   * True for the first retry announced after losing the connection of
   * `generation`; false for the others in flight on it, which wait for the
   * same reconnection (RetryEvent.sharedReconnection).
   */
  firstRetryAfter(generation: number): boolean {
    if (generation <= this.retried) return false;
    this.retried = generation;
    return true;
  }

  /**
   * Ends the connection at once, discarding the requests queued on it, and
   * the next attempt connects anew: after an abort on a slow link, where
   * those requests would hold up the clean-up (sftp-remove-temp.ts). Only
   * the connection of `generation`: a newer one is already fresh.
   */
  drop(generation: number): void {
    if (generation !== this.gen || !this.canReconnect) return;
    this.opener.drop();
    this.opener = new ChannelOpener(this.target, this.log);
    this.dropped.add(this.gen++);
  }

  /** True when drop() ended the connection of `generation`: what its sessions left is still on the server. */
  wasDropped(generation: number): boolean {
    return this.dropped.has(generation);
  }

  close(): void {
    this.opener.close();
  }
}
