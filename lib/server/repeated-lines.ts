// A flood from one address (connections dropped by the startup caps, shells
// asked for over and over) wrote a log line each, as fast as the client could
// ask: tens of lines a second for a day fill a disk and bury the lines that
// matter. The first few of each kind from one address in a window are logged
// as they come, enough for fail2ban's usual 5 in 10 minutes; the rest are
// counted, and said in one line when the window ends.
import { testLowered } from '../util/test-waits';

/** The window: a minute (SCPIPE_TEST_REPEAT_WINDOW_MS lowers it for the tests). */
export const REPEAT_WINDOW_MS = 60_000;
/** Lines of one kind from one address logged whole in a window. */
export const REPEATS_SAID = 10;
// Addresses counted at once; past that, new ones share one count, so that a
// flood from many addresses cannot grow this without bound either.
const ADDRESSES_MAX = 10_000;
const OTHERS = 'other addresses';

interface Window {
  count: number;
  timer: NodeJS.Timeout;
}

/** Logs lines of a kind per address, and sums up the ones past REPEATS_SAID. */
export class RepeatedLines {
  private readonly windows = new Map<string, Window>();
  private readonly windowMs = testLowered('REPEAT_WINDOW_MS', REPEAT_WINDOW_MS);

  constructor(private readonly log: (line: string) => void) {}

  /** Logs `line`, one of `kind` (`refused an interactive shell`) from `ip`, or counts it. */
  line(ip: string, kind: string, line: string): void {
    const from = this.windows.size >= ADDRESSES_MAX && !this.windows.has(`${ip}\0${kind}`) ? OTHERS : ip;
    const key = `${from}\0${kind}`;
    let window = this.windows.get(key);
    if (window === undefined) {
      window = { count: 0, timer: setTimeout(() => this.end(key), this.windowMs).unref() };
      this.windows.set(key, window);
    }
    window.count += 1;
    if (window.count <= REPEATS_SAID) this.log(line);
  }

  /** Says now what is counted and not said yet: serve stops. */
  flush(): void {
    for (const key of [...this.windows.keys()]) this.end(key);
  }

  private end(key: string): void {
    const window = this.windows.get(key)!;
    clearTimeout(window.timer);
    this.windows.delete(key);
    const more = window.count - REPEATS_SAID;
    const [from, kind] = key.split('\0') as [string, string];
    if (more > 0) this.log(`${more} more like this from ${from} in the last ${this.windowMs === REPEAT_WINDOW_MS ? 'minute' : `${this.windowMs / 1000} s`}: ${kind}`);
  }
}
