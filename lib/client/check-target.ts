// Connection options a JavaScript caller can get wrong where TypeScript would
// have said so: unchecked, a transport 'OpenSSH' went as ssh2, and a
// stallTimeoutMs of -5 or NaN as no bound at all.
import { ScpipeError } from '../errors';
import type { ConnectOptions } from '../transport/connect-options';

const TRANSPORTS: readonly unknown[] = ['ssh2', 'openssh'];

/** ERR_USAGE unless `transport` and `stallTimeoutMs` are ones a connection can use, where given. */
export function checkConnectOptions(target: ConnectOptions): void {
  const { transport, stallTimeoutMs } = target;
  if (transport !== undefined && !TRANSPORTS.includes(transport)) {
    throw new ScpipeError('ERR_USAGE', `bad transport ${JSON.stringify(String(transport))}: give ssh2, openssh`);
  }
  if (stallTimeoutMs !== undefined && (typeof stallTimeoutMs !== 'number' || !(stallTimeoutMs >= 0))) {
    throw new ScpipeError('ERR_USAGE', `bad stallTimeoutMs ${JSON.stringify(String(stallTimeoutMs))}: give a number of milliseconds, 0 (never) or more`);
  }
}
