// Puts a channel under --stall-timeout (stall-watch.ts): its roles tell of
// their waits through `channel.stall`, and its whyLost names the stall once
// `onStall` has ended the connection under it.
import type { ScpChannel } from '../protocol/channel';
import { StallWatch } from './stall-watch';

/** `channel`, watched when `limitMs` is set (> 0); `onStall` ends what carries it. */
export function watchStalls(channel: ScpChannel, limitMs: number | undefined, onStall: (why: string) => void): ScpChannel {
  if (!(limitMs !== undefined && limitMs > 0)) return channel;
  const watch = new StallWatch(limitMs, onStall);
  watch.watchWrites(channel.stdin);
  const stop = (): void => watch.stop();
  channel.exit.then(stop, stop);
  const own = channel.whyLost?.bind(channel);
  channel.whyLost = () => watch.reason ?? own?.();
  channel.stall = watch;
  return channel;
}
