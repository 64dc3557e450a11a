// The byte stream an SSH connection runs over: a TCP connection (with
// AddressFamily, BindAddress, ConnectionAttempts, TCPKeepAlive), the stdio
// of a ProxyCommand, or a channel through ProxyJump hosts; limited by -l.
import type { Duplex } from 'node:stream';
import type { ResolvedHost } from './resolved-host';
import { coalesceWrites } from './coalesce-writes';
import { spawnProxyCommand } from './proxy-command';
import { jumpTo, type HopConnectOptions, type HopConnection } from './proxy-jump';
import { connectTcp } from './tcp';
import { throttle } from './throttle';
import type { BandwidthLimit } from '../util/token-bucket';

/** How to reach the server, besides the resolved host. */
export interface SocketOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
  bandwidth?: BandwidthLimit;
  /** Hops already passed (ProxyJump chains). */
  jumpDepth: number;
  connectHop: (o: HopConnectOptions) => Promise<HopConnection>;
}

/** The stream to hand ssh2 as `sock`, and the server's address when it is a direct TCP connection. */
export async function openSocket(host: ResolvedHost, opts: SocketOptions): Promise<{ sock: Duplex; address?: string; failure: () => Error | undefined }> {
  let sock: Duplex;
  let address: string | undefined;
  if (host.proxyJump !== undefined) {
    const said = `${opts.timeoutMs / 1000} s (${host.connectTimeoutMs === undefined ? 'the bound of a TCP connect without ConnectTimeout' : 'ConnectTimeout'})`;
    sock = await jumpTo(host.proxyJump, host.hostname, host.port, opts.jumpDepth, opts.connectHop, opts.log, { ms: opts.timeoutMs, said }, opts.signal);
  } else if (host.proxyCommand !== undefined) {
    sock = spawnProxyCommand(host.proxyCommand, opts.log);
  } else {
    const family = host.addressFamily === 'inet' ? 4 : host.addressFamily === 'inet6' ? 6 : undefined;
    const tcp = await connectTcp(host.hostname, host.port, opts.timeoutMs, opts.signal, {
      family,
      localAddress: host.bindAddress,
      attempts: host.connectionAttempts,
      keepAlive: host.tcpKeepAlive,
    });
    coalesceWrites(tcp);
    address = tcp.remoteAddress;
    sock = tcp;
  }
  // ssh2 listens only once it is loaded: an error before that (a ProxyCommand
  // that exits at once, a reset) must not be an unhandled 'error' that kills
  // the process; it is kept for the caller, as ssh2 never learns of it.
  let failure: Error | undefined;
  const out = opts.bandwidth ? throttle(sock, opts.bandwidth) : sock;
  out.on('error', (err) => {
    failure ??= err;
    opts.log?.(`connection: ${err.message}`);
  });
  return { sock: out, address, failure: () => failure };
}
