// ClientAlive*: ssh2 asks a logged-in client that has sent nothing for the
// interval (keepalive@openssh.com) and cuts it after countMax unanswered
// (countMax 0: never; ssh2 takes only a finite count). An interval longer than
// a timer holds (24.8 days) would fire every millisecond: it means "rarely", so
// it is held to that longest.
import { MAX_TIMER_MS } from '../util/long-timeout';
import type { ConnectionLimits } from './connection-limits';

/** ssh2 Server options for --client-alive-interval/--client-alive-count-max; none when off. */
export function clientAliveOptions(limits: Pick<ConnectionLimits, 'clientAliveIntervalMs' | 'clientAliveCountMax'>): { keepaliveInterval?: number; keepaliveCountMax?: number } {
  if (!(limits.clientAliveIntervalMs > 0)) return {};
  const countMax = limits.clientAliveCountMax === 0 ? Number.MAX_SAFE_INTEGER : limits.clientAliveCountMax;
  return { keepaliveInterval: Math.min(limits.clientAliveIntervalMs, MAX_TIMER_MS), keepaliveCountMax: countMax };
}
