// Puts a channel under --stall-timeout (stall-watch.ts): its roles tell of
// their waits through `channel.stall`, and its whyLost names the stall once
// `onStall` has ended the connection under it.
import type { EventEmitter } from 'node:events';
import type { ScpChannel } from '../protocol/channel';
import { stallWatchFor, type StallWatch } from './stall-watch';

/** `channel`, watched when `limitMs` is set (> 0); `onStall` ends what carries it. `watch`: one that already watched the channel's opening. */
export function watchStalls(channel: ScpChannel, limitMs: number | undefined, onStall: (why: string) => void, watch?: StallWatch): ScpChannel {
  watch ??= stallWatchFor(limitMs, onStall);
  if (watch === undefined) return channel;
  watch.watchWrites(channel.stdin);
  const stop = (): void => watch.stop();
  channel.exit.then(stop, stop);
  const own = channel.whyLost?.bind(channel);
  channel.whyLost = () => watch.reason ?? own?.();
  channel.stall = watch;
  return channel;
}

/**
 * `open()`, its wait owed to the remote under `watch` (a channel open and its
 * exec or subsystem request, which a server can leave unanswered for ever);
 * the watch stopped if it fails.
 */
export async function openWatched<T>(watch: StallWatch | undefined, what: string, open: () => Promise<T>): Promise<T> {
  const answered = watch?.wait(`the server's answer to opening a channel for ${what}`);
  try {
    return await open();
  } catch (err) {
    watch?.stop();
    throw err;
  } finally {
    answered?.();
  }
}

/**
 * `session` (an SFTP channel) with its `watch` stopped once it closes, whoever
 * holds it then: a session dropped before anything wraps it would keep the
 * watch's timer, and what it reaches, for the life of the process.
 */
export function stopWithSession<T extends { session: EventEmitter; stall?: StallWatch }>(opened: T): T {
  const { session, stall } = opened;
  if (stall !== undefined) session.once('close', () => stall.stop());
  return opened;
}
