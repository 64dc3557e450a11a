// Whether the remote can owe a channel anything yet, for --stall-timeout
// (stall-watch.ts) over a connection that carries several channels: on a slow
// link one channel's bytes wait behind the others' for longer than the limit,
// and the remote cannot answer what has not reached it. A probe (an SSH global
// request, answered in order: RFC 4254 §4) shows, once answered, that the
// remote had every byte handed on before it, whichever channel's; so a wait
// counts from the answer to the first probe sent after the channel's last
// move. A connection that received nothing at all for the limit needs no
// probe: it did not move either. Sans-I/O: times in ms from one monotonic clock.

interface Probe {
  sentAt: number;
  answeredAt?: number;
}

// Enough for the waits of every channel of a connection; an older probe
// dropped is replaced by a later one, which only delays a stall found.
const KEPT = 64;

/** See the file comment. */
export class StallReach {
  private readonly probes: Probe[] = []; // oldest first
  private heardAt: number;
  private blind = false; // no probe could be sent: each wait counts from its start, as on one channel

  /** `send(answered)` sends a probe and calls `answered` on its answer; false where it cannot. */
  constructor(private readonly send: (answered: () => void) => boolean, private readonly now: () => number) {
    this.heardAt = now();
  }

  /** The connection received a byte, for any channel or none. */
  heard(): void {
    this.heardAt = this.now();
  }

  /** How long the remote has owed what was handed on by `since` without the connection seeing it had it: a probe is sent if none since. */
  owedFor(since: number, now: number): number {
    const probe = this.probes.find((p) => p.sentAt >= since);
    if (probe === undefined && !this.blind) this.ask(now);
    if (this.blind) return now - since;
    const answeredAt = probe?.answeredAt;
    return Math.max(now - Math.max(since, this.heardAt), answeredAt === undefined ? 0 : now - answeredAt);
  }

  private ask(now: number): void {
    const probe: Probe = { sentAt: now };
    if (!this.send(() => (probe.answeredAt = this.now()))) {
      this.blind = true;
      return;
    }
    this.probes.push(probe);
    if (this.probes.length > KEPT) this.probes.shift();
  }
}
