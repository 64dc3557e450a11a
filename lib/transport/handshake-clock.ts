// The clock of an SSH connection's set-up after the TCP connect (tcp.ts
// bounds that one). The phases come in order, the banner (the server's
// version line), the key exchange, the login, and one timer runs at a time:
// that of the bound closest to its end among those covering the phase. A
// bound may span phases (ConnectTimeout covers the banner and the key
// exchange). The clock stops while a question waits for the
// person (a new host key, a passphrase); after the answer the server has the
// phase's whole bound again to go on.
import { longTimeout } from '../util/long-timeout';

export type Phase = 'banner' | 'kex' | 'login';

const ORDER: readonly Phase[] = ['banner', 'kex', 'login'];

/** A time limit over some phases, and the error that says it ran out. */
export interface Bound {
  ms: number;
  phases: readonly Phase[];
  error(phase: Phase): Error;
}

export class HandshakeClock {
  private phase: Phase | undefined;
  private readonly left = new Map<Bound, number>();
  private cancel: (() => void) | undefined; // the running timer's
  private since = 0;
  private asking = 0;

  /** `expired` is called once, with the error of the bound that ran out. */
  constructor(
    bounds: readonly Bound[],
    private readonly expired: (err: Error) => void,
  ) {
    for (const bound of bounds) this.left.set(bound, bound.ms);
  }

  /** The connection reached `phase`; a phase already passed (a later key exchange) changes nothing. */
  enter(phase: Phase): void {
    if (this.phase === undefined && phase !== 'banner') return; // not started, or stopped
    if (this.phase !== undefined && ORDER.indexOf(phase) <= ORDER.indexOf(this.phase)) return;
    this.charge();
    this.phase = phase;
    this.arm();
  }

  /** The set-up ended, logged in or failed: no timer is left behind. */
  stop(): void {
    this.charge();
    this.phase = undefined;
    this.left.clear();
  }

  /** `ask` as a question during which the clock stands still, started afresh after the answer. */
  asks<A extends unknown[], T>(ask: (...args: A) => Promise<T>): (...args: A) => Promise<T> {
    return async (...args) => {
      this.charge();
      this.asking++;
      try {
        return await ask(...args);
      } finally {
        this.asking--;
        for (const bound of this.left.keys()) if (this.phase !== undefined && bound.phases.includes(this.phase)) this.left.set(bound, bound.ms);
        this.arm();
      }
    };
  }

  /** Takes the time run since the timer was armed off every bound of the phase. */
  private charge(): void {
    if (this.cancel === undefined || this.phase === undefined) return;
    this.cancel();
    this.cancel = undefined;
    const spent = performance.now() - this.since;
    for (const [bound, left] of this.left) if (bound.phases.includes(this.phase)) this.left.set(bound, left - spent);
  }

  private arm(): void {
    const phase = this.phase;
    if (phase === undefined || this.asking > 0 || this.cancel !== undefined) return;
    let first: Bound | undefined;
    for (const [bound, left] of this.left) if (bound.phases.includes(phase) && (first === undefined || left < this.left.get(first)!)) first = bound;
    if (first === undefined) return;
    const bound = first;
    this.since = performance.now();
    this.cancel = longTimeout(() => {
      this.stop();
      this.expired(bound.error(phase));
    }, Math.max(0, this.left.get(bound)!));
  }
}
