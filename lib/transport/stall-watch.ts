// --stall-timeout over one channel or SFTP session: the remote owes scpipe
// something while a role waits for its answer (wait()) or while bytes handed
// to the channel wait for room in its window ('drain'); an answer and each
// opening of the window (or piece of the writes it let through) are the
// remote moving. Past the limit, onStall is told once what was waited for;
// the caller ends the connection, as for a keepalive timeout. Over a connection
// with several channels the wait counts only once the remote had the bytes
// (stall-reach.ts).
import { performance } from 'node:perf_hooks';
import type { Writable } from 'node:stream';
import type { StallWaits } from '../protocol/channel';
import { StallClock } from '../util/stall-clock';
import type { StallReach } from '../util/stall-reach';
import { onWindowOpened } from './window-opened';

const WINDOW = 'room in the channel window for the data';

/** See the file comment. */
export class StallWatch implements StallWaits {
  private readonly clock: StallClock;
  private readonly waits = new Map<number, string>();
  private nextId = 0;
  private writes: Writable | undefined;
  private handed = 0; // the writes' writableLength at the last look
  private timer: NodeJS.Timeout | undefined;
  private why: string | undefined;
  private confirming = false;

  /** `reach`: the connection's, where it carries more than this channel. */
  constructor(readonly limitMs: number, private readonly onStall: (why: string) => void, private readonly now: () => number = () => performance.now(), private readonly reach?: StallReach) {
    this.clock = new StallClock(limitMs);
    // A check every second is enough for limits of minutes, and costs nothing per byte.
    this.timer = setInterval(() => this.tick(), Math.min(1000, Math.max(10, limitMs / 4)));
    this.timer.unref();
  }

  /** The stall, once told. */
  get reason(): string | undefined {
    return this.why;
  }

  wait(what: string): () => void {
    const id = this.nextId++;
    this.waits.set(id, what);
    this.clock.check(this.now(), true);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.waits.delete(id);
      this.moved();
    };
  }

  /** Counts `stdin` waiting for 'drain' as owed by the remote (its window), and each opening of it, or piece taken, as its move. */
  watchWrites(stdin: Writable): void {
    this.writes = stdin;
    stdin.on('drain', () => this.moved());
    onWindowOpened(stdin, () => this.moved());
  }

  /** The remote moved a byte. */
  moved(): void {
    const now = this.now();
    this.clock.moved(now);
    this.clock.check(now, this.owed() !== undefined);
  }

  /** No more checks (the channel ended). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  // A stream drains only once all it holds went (ssh2's 2 MiB): over a slow link the pieces it
  // lets through one by one are the window opening, where it is not seen itself (a pipe to ssh).
  private lookAtWrites(): void {
    const length = this.writes?.writableLength ?? 0;
    if (length < this.handed) this.moved();
    this.handed = length;
  }

  private owed(): string | undefined {
    const first = this.waits.values().next();
    if (!first.done) return first.value;
    return this.writes?.writableNeedDrain ? WINDOW : undefined;
  }

  private tick(): void {
    if (this.stalled() === undefined || this.confirming) return;
    // Timers run before I/O is read: after a stretch in which this process
    // got no CPU, an answer may be waiting unread. Told only if none was.
    this.confirming = true;
    setImmediate(() => {
      this.confirming = false;
      const what = this.stalled();
      if (what !== undefined) this.tell(what);
    });
  }

  // What the remote owes past the limit, if it does.
  private stalled(): string | undefined {
    this.lookAtWrites();
    const what = this.owed();
    const now = this.now();
    const still = this.clock.check(now, what !== undefined);
    const since = this.clock.owedSince;
    if (what === undefined || since === undefined || this.timer === undefined) return undefined;
    // Asked at every look while owed, so that the probe goes out near the wait's start.
    const owedFor = this.reach ? this.reach.owedFor(since, now) : still;
    return owedFor !== undefined && owedFor >= this.limitMs ? what : undefined;
  }

  private tell(what: string): void {
    this.stop();
    this.why = `the remote moved no byte for ${+(this.limitMs / 1000).toFixed(3)} s while scpipe waited for ${what} (--stall-timeout)`;
    this.onStall(this.why);
  }
}

/** A watch under a limit of `limitMs` (--stall-timeout); undefined where it is off (absent or 0, the default). */
export function stallWatchFor(limitMs: number | undefined, onStall: (why: string) => void, reach?: StallReach): StallWatch | undefined {
  return limitMs !== undefined && limitMs > 0 ? new StallWatch(limitMs, onStall, undefined, reach) : undefined;
}

/**
 * What a stall that ended the connection was to its other channels: theirs
 * moved, so they name the one that stalled (`channel`: "its channel for the
 * exec of scp -t 'f.000002'") and what it waited for (`why`).
 */
export function endedByStall(channel: string, why: string): string {
  return `the connection was ended for a stall on ${channel}: ${why}`;
}
