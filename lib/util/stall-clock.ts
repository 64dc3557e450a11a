// How long the remote side has owed scpipe something (room in the channel
// window for bytes handed to it, an answer to a request) without moving a
// byte: sans-I/O, driven with the time by stall-watch.ts. Time in which the
// remote owes nothing (a slow producer, a slow local reader) does not count:
// the clock starts again with the next thing owed.

/** See the file comment. Times are in ms, from one monotonic clock. */
export class StallClock {
  private since: number | undefined; // start of the stretch owed, or the remote's last move in it

  constructor(readonly limitMs: number) {}

  /** The start of the stretch owed, or the remote's last move in it; undefined while nothing is owed. */
  get owedSince(): number | undefined {
    return this.since;
  }

  /** The remote moved a byte (data from it, room in its window, an answer) at `now`. */
  moved(now: number): void {
    if (this.since !== undefined) this.since = now;
  }

  /**
   * Whether the remote owes something at `now`; returns how long it has
   * owed without moving once that reaches the limit, else undefined.
   */
  check(now: number, owed: boolean): number | undefined {
    if (!owed) {
      this.since = undefined;
      return undefined;
    }
    this.since ??= now;
    const still = now - this.since;
    return still >= this.limitMs ? still : undefined;
  }
}
