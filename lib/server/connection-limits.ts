// Caps on the connections of `scpipe serve` that have not logged in yet, as
// sshd bounds them: a login grace time (LoginGraceTime), a cap on all of them
// with random early drop (MaxStartups start:rate:full) and a cap per client
// address (PerSourceMaxStartups). A flood of idle or slow sockets then holds
// a bounded number of slots, each for a bounded time, and a legitimate client
// from another address still gets in. Logged-in connections are not counted.
import type { Socket } from 'node:net';
import { ScpipeError } from '../errors';
import { KeyCounts } from '../util/key-counts';
import { longTimeout } from '../util/long-timeout';

/** sshd's MaxStartups: below `start` accept; from `start` drop with `rate`% rising to 100% at `full`. */
export interface StartupLimit {
  start: number;
  rate: number;
  full: number;
}

/** Limits on connections. */
export interface ConnectionLimits {
  /** Time to log in, in ms; 0: no limit. */
  loginGraceMs: number;
  maxStartups: StartupLimit;
  /** Unauthenticated connections from one address at a time. */
  maxPerAddress: number;
  /** Sessions (channels) open at once on one logged-in connection (sshd's MaxSessions). */
  maxSessions: number;
  /** Logged-in connections of one key at a time (key-connections.ts); logins by password are not counted. */
  maxConnectionsPerKey: number;
  /** A logged-in client silent this long is asked for an answer (sshd's ClientAliveInterval), in ms; 0: never. */
  clientAliveIntervalMs: number;
  /** Questions left unanswered before the connection is cut (sshd's ClientAliveCountMax); 0: asked, never cut (as sshd since 8.2, to keep a NAT's entry alive). */
  clientAliveCountMax: number;
}

/** sshd's defaults; the per-address cap stays below MaxStartups' start, so one address cannot start the drops. */
export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  loginGraceMs: 120_000,
  maxStartups: { start: 10, rate: 30, full: 100 },
  maxPerAddress: 8,
  maxSessions: 10,
  maxConnectionsPerKey: 10,
  clientAliveIntervalMs: 0,
  clientAliveCountMax: 3,
};

/** Parses `N` or `start:rate:full` as sshd_config(5) describes MaxStartups. */
export function parseMaxStartups(text: string): StartupLimit {
  const m = /^(\d+)(?::(\d+):(\d+))?$/.exec(text.trim());
  const [start, rate, full] = m ? [Number(m[1]), Number(m[2] ?? 100), Number(m[3] ?? m[1])] : [NaN, NaN, NaN];
  if (!m || start < 1 || rate > 100 || full < start) {
    throw new ScpipeError('ERR_USAGE', `bad --max-startups "${text}": give N or START:RATE:FULL, e.g. 10:30:100`);
  }
  return { start, rate, full };
}

/** Where a connection stands with the gate. */
export interface Startup {
  /** The client logged in: its slot is free again, the grace timer stops. */
  authenticated(): void;
}

/** Admits or drops each new connection; see the file comment. */
export class ConnectionGate {
  private startups = 0;
  private readonly perAddress = new KeyCounts<string>();

  constructor(private readonly limits: ConnectionLimits, private readonly random: () => number = Math.random) {}

  /** Unauthenticated connections now. */
  get pending(): number {
    return this.startups;
  }

  /**
   * Takes a slot for `socket` from `ip`, or returns why it is dropped (the
   * caller closes it). The slot is freed on authenticated() or when the
   * socket closes; at the grace time `onGraceOver` runs and the socket is destroyed.
   */
  admit(socket: Socket, ip: string, onGraceOver: () => void): Startup | string {
    const fromHere = this.perAddress.get(ip);
    if (fromHere >= this.limits.maxPerAddress) return `${fromHere} unauthenticated connections from this address (--max-per-address)`;
    const { start, rate, full } = this.limits.maxStartups;
    if (this.startups >= full) return `past MaxStartups: ${this.startups} unauthenticated connections (--max-startups)`;
    if (this.startups >= start) {
      const p = rate + ((100 - rate) * (this.startups - start)) / Math.max(1, full - start);
      if (this.random() * 100 < p) return `random early drop past MaxStartups: ${this.startups} unauthenticated connections (--max-startups)`;
    }
    this.startups += 1;
    const giveBack = this.perAddress.take(ip);
    const release = (): void => {
      if (giveBack() === undefined) return;
      cancel?.();
      this.startups -= 1;
    };
    const graceOver = (): void => {
      onGraceOver();
      socket.destroy();
    };
    const cancel = this.limits.loginGraceMs > 0 ? longTimeout(graceOver, this.limits.loginGraceMs, true) : undefined;
    socket.once('close', release);
    return { authenticated: release };
  }
}
