// An SFTP upload whose input pauses (an incremental tar walking unchanged
// files, a btrfs send with little to send) writes nothing for minutes, and
// its temporary file then looks left behind to another run's
// --remove-stale (sftp-stale.ts: not written to for STALE_AFTER_S), which
// removes it: this upload would fail at its rename, hours later. So while
// no write is acknowledged for a quarter of that, the file's times are set
// to the server's now, as a write would: the server's mtime when the file
// was made, plus this run's time since.
import type { Stats } from 'ssh2';
import type { WriteLane } from '../sftp/writer';
import { STALE_AFTER_S } from './sftp-stale';
import { testLowered } from '../util/test-waits';

/** How long an upload may go without a write before its file is touched. */
export const TOUCH_AFTER_MS = testLowered('TOUCH_AFTER_MS', (STALE_AFTER_S * 1000) / 4);

/** Until stop(): touches `path` over `lane()` whenever neither a write (wrote()) nor a touch was for TOUCH_AFTER_MS. */
export function keepFresh(lane: () => WriteLane | undefined, made: Promise<Stats>, path: string): { wrote(): void; stop(): void } {
  let last = performance.now();
  let base: { serverS: number; at: number } | undefined;
  made.then(
    (st) => (base = { serverS: st.mtime, at: performance.now() }),
    () => undefined, // no clock to go by: never touched, as before
  );
  const timer = setInterval(() => {
    const now = performance.now();
    const current = lane();
    if (base === undefined || current === undefined || now - last < TOUCH_AFTER_MS) return;
    const s = base.serverS + Math.floor((now - base.at) / 1000);
    last = now;
    // A session lost meanwhile is the writer's to mend; a touch that fails is tried again next time.
    current.session.fsetstat(current.handle, { atime: s, mtime: s }, path).catch(() => undefined);
  }, TOUCH_AFTER_MS / 3);
  timer.unref();
  return {
    wrote: () => {
      last = performance.now();
    },
    stop: () => clearInterval(timer),
  };
}
