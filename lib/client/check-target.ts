// Connection options a JavaScript caller can get wrong where TypeScript would
// have said so: unchecked, a transport 'OpenSSH' went as ssh2, and a
// stallTimeoutMs of -5 or NaN as no bound at all, a startTimeoutMs of 0 as
// a bound every host fails.
import { ScpipeError } from '../errors';
import type { ConnectOptions } from '../transport/connect-options';

const TRANSPORTS: readonly unknown[] = ['ssh2', 'openssh'];

// setTimeout's largest delay: above it Node waits 1 ms.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** ERR_USAGE unless `transport`, `stallTimeoutMs` and `startTimeoutMs` are ones a connection can use, where given. */
export function checkConnectOptions(target: ConnectOptions): void {
  const { transport, stallTimeoutMs, startTimeoutMs } = target;
  if (transport !== undefined && !TRANSPORTS.includes(transport)) {
    throw new ScpipeError('ERR_USAGE', `bad transport ${JSON.stringify(String(transport))}: give ssh2, openssh`);
  }
  if (stallTimeoutMs !== undefined && (typeof stallTimeoutMs !== 'number' || !(stallTimeoutMs >= 0))) {
    throw new ScpipeError('ERR_USAGE', `bad stallTimeoutMs ${JSON.stringify(String(stallTimeoutMs))}: give a number of milliseconds, 0 (never) or more`);
  }
  if (startTimeoutMs !== undefined && (typeof startTimeoutMs !== 'number' || !(startTimeoutMs >= 1 && startTimeoutMs <= MAX_TIMER_MS))) {
    throw new ScpipeError('ERR_USAGE', `bad startTimeoutMs ${JSON.stringify(String(startTimeoutMs))}: give a number of milliseconds from 1 to ${MAX_TIMER_MS}`);
  }
}
