// Opens the TCP connection ourselves (instead of letting ssh2 do it) so that
// ConnectTimeout bounds only the connect, as in ssh, and failures read like
// ssh's: "connect to host H port P: Connection refused".
import { Socket, isIP } from 'node:net';
import { lookup } from 'node:dns/promises';
import { ScpipeError, abortError } from '../errors';

/** Resolves and connects; rejects with ERR_CONNECT / ERR_CONNECT_TIMEOUT. */
export async function connectTcp(host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<Socket> {
  const where = `connect to host ${host} port ${port}`;
  let address = host;
  if (isIP(host) === 0) {
    try {
      address = (await lookup(host)).address;
    } catch (err) {
      throw new ScpipeError('ERR_CONNECT', `could not resolve hostname ${host}: ${(err as Error).message}`, { host, cause: err });
    }
  }
  if (signal?.aborted) throw abortError(signal);
  return new Promise<Socket>((resolve, reject) => {
    const sock = new Socket();
    const timer = setTimeout(() => fail(new ScpipeError('ERR_CONNECT_TIMEOUT', `${where}: Connection timed out`, { host })), timeoutMs);
    const onAbort = (): void => fail(abortError(signal));
    const cleanup = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      sock.off('error', onError);
    };
    const fail = (err: Error): void => {
      cleanup();
      sock.destroy();
      reject(err);
    };
    const onError = (err: NodeJS.ErrnoException): void => {
      const why = err.code === 'ECONNREFUSED' ? 'Connection refused' : err.code === 'EHOSTUNREACH' ? 'No route to host' : err.message;
      fail(new ScpipeError('ERR_CONNECT', `${where}: ${why}`, { host, cause: err }));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    sock.once('error', onError);
    sock.connect({ host: address, port }, () => {
      cleanup();
      sock.setNoDelay(true);
      resolve(sock);
    });
  });
}
