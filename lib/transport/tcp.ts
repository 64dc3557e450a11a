// Opens the TCP connection ourselves (instead of letting ssh2 do it) so that
// ConnectTimeout bounds the connect (handshake-bounds.ts bounds the banner and
// key exchange with it too, as ssh does), and failures read like
// ssh's: "connect to host H port P: Connection refused". AddressFamily,
// BindAddress, ConnectionAttempts and TCPKeepAlive apply here.
import { Socket, isIP } from 'node:net';
import { lookup } from 'node:dns/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { ScpipeError, abortError } from '../errors';
import { onAbort } from '../util/abort';
import { longTimeout } from '../util/long-timeout';
import { OPEN_FILE_LIMIT_HINT } from '../util/limits';

/** The socket options of ssh_config. */
export interface TcpOptions {
  /** AddressFamily: 4 (inet) or 6 (inet6); absent: either. */
  family?: 4 | 6;
  /** BindAddress. */
  localAddress?: string;
  /** ConnectionAttempts (default 1), one second apart as in ssh. */
  attempts?: number;
  /** TCPKeepAlive (default true). */
  keepAlive?: boolean;
}

/** Resolves and connects; rejects with ERR_CONNECT / ERR_CONNECT_TIMEOUT. */
export async function connectTcp(host: string, port: number, timeoutMs: number, signal?: AbortSignal, opts: TcpOptions = {}): Promise<Socket> {
  let address = host;
  const family = isIP(host);
  if (opts.family !== undefined && family !== 0 && family !== opts.family) {
    throw new ScpipeError('ERR_CONNECT', `${host} is not an IPv${opts.family} address (AddressFamily)`, { host });
  }
  if (family === 0) {
    try {
      address = (await lookup(host, { family: opts.family ?? 0 })).address;
    } catch (err) {
      throw new ScpipeError('ERR_CONNECT', `could not resolve hostname ${host}: ${whyUnresolved(err)}`, { host, cause: err });
    }
  }
  const attempts = Math.max(1, opts.attempts ?? 1);
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw abortError(signal);
    try {
      const sock = await connectOnce(host, address, port, timeoutMs, signal, opts.localAddress);
      sock.setKeepAlive(opts.keepAlive ?? true);
      return sock;
    } catch (err) {
      if (attempt >= attempts || (err as ScpipeError).code === 'ERR_ABORTED') throw err;
      await sleep(1000, undefined, { signal }).catch(() => undefined);
    }
  }
}

// In ssh's words (getaddrinfo's gai_strerror), not Node's "getaddrinfo ENOTFOUND HOST".
const RESOLVER_ERRORS: Record<string, string> = {
  ENOTFOUND: 'Name or service not known',
  EAI_AGAIN: 'Temporary failure in name resolution',
  EAI_FAIL: 'Non-recoverable failure in name resolution',
  ENODATA: 'No address associated with hostname',
};

function whyUnresolved(err: unknown): string {
  return RESOLVER_ERRORS[(err as NodeJS.ErrnoException).code ?? ''] ?? (err as Error).message;
}

// In ssh's words; Node's EMFILE says "connect EMFILE 10.0.0.1:22 - Local (undefined:undefined)".
const CONNECT_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'Connection refused',
  EHOSTUNREACH: 'No route to host',
  EMFILE: `Too many open files (${OPEN_FILE_LIMIT_HINT})`,
};

function connectOnce(host: string, address: string, port: number, timeoutMs: number, signal?: AbortSignal, localAddress?: string): Promise<Socket> {
  const where = `connect to host ${host} port ${port}`;
  return new Promise<Socket>((resolve, reject) => {
    const sock = new Socket();
    let cancelTimer: (() => void) | undefined;
    let unlink = (): void => undefined;
    const cleanup = (): void => {
      cancelTimer?.();
      unlink();
      sock.off('error', onError);
    };
    const fail = (err: Error): void => {
      cleanup();
      sock.destroy();
      reject(err);
    };
    const onError = (err: NodeJS.ErrnoException): void => {
      const why = CONNECT_ERRORS[err.code ?? ''] ?? err.message;
      fail(new ScpipeError('ERR_CONNECT', `${where}: ${why}`, { host, cause: err }));
    };
    // Armed once `fail` exists: a throw above must leave no timer to fire into it.
    unlink = onAbort(signal, () => fail(abortError(signal)));
    cancelTimer = longTimeout(() => fail(new ScpipeError('ERR_CONNECT_TIMEOUT', `${where}: Connection timed out`, { host })), timeoutMs);
    sock.once('error', onError);
    sock.connect({ host: address, port, localAddress }, () => {
      cleanup();
      sock.setNoDelay(true);
      resolve(sock);
    });
  });
}
