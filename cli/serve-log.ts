// serve's log lines on stderr. A reader that stops reading (a stopped
// `logger`, a terminal paused with Ctrl-S, a stalled journald) must not stop
// every client: the blocking stderr every other command gets (main.ts) would
// stop the event loop at the first full pipe. So serve writes without
// blocking, and past MAX_QUEUED bytes waiting it drops lines and says later
// how many, as a full syslog socket drops sshd's.

/** Bytes of log lines held for a slow reader before lines are dropped. */
export const MAX_QUEUED = 1024 * 1024;

type LogOut = Pick<NodeJS.WriteStream, 'write' | 'writableLength' | 'once' | 'off'> & { _handle?: { setBlocking?(on: boolean): void } };

/** serve's logger on `out`; see the file comment. */
export function serveLog(out: LogOut = process.stderr): { say(...lines: string[]): void; flush(ms: number): Promise<void> } {
  out._handle?.setBlocking?.(false);
  let dropped = 0;
  return {
    // Several lines in one write: a reader that has the first has the rest.
    say(...lines) {
      if (out.writableLength > MAX_QUEUED) {
        dropped += lines.length;
        return;
      }
      if (dropped > 0) out.write(`scpipe: ${dropped} log line(s) dropped: the log's reader did not keep up\n`);
      dropped = 0;
      out.write(lines.map((line) => `scpipe: ${line}\n`).join(''));
    },
    // Waits, at most `ms`, for what is queued to be written: the last lines before exit.
    flush(ms) {
      if (out.writableLength === 0) return Promise.resolve();
      return new Promise((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          out.off('drain', done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        out.once('drain', done);
      });
    },
  };
}

/**
 * Holds the lines said while serve starts (keys skipped, the owners kept)
 * until release(first): `first` (`listening on …`, the host key) then
 * comes first, as the scripts and service managers that wait for it read
 * it, whatever the options; all in one write.
 */
export function heldUntilListening(say: (...lines: string[]) => void): { say(line: string): void; release(first?: string[]): void } {
  let held: string[] | undefined = [];
  return {
    say: (line) => (held ? held.push(line) : say(line)),
    release(first = []) {
      const lines = [...first, ...(held ?? [])];
      held = undefined;
      if (lines.length > 0) say(...lines);
    },
  };
}
