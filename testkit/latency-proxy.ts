// The benchmark's --rtt, and a real round trip for the window tests (which
// import it through spec/helpers/latency-proxy.ts): a TCP
// relay in front of sshd that delays each chunk by half the round trip in
// each direction, and a known_hosts entry for it.
import * as fs from 'fs';
import * as net from 'net';
import type { TestSshd } from './sshd';

export interface Proxy { port: number; close(): Promise<void> }

/** A TCP relay to 127.0.0.1:targetPort that delays every chunk by rttMs/2 in each direction. */
export async function startLatencyProxy(targetPort: number, rttMs: number): Promise<Proxy> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.setNoDelay(true);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => { client.destroy(); upstream.destroy(); });
    }
    delayedPipe(client, upstream, rttMs / 2);
    delayedPipe(upstream, client, rttMs / 2);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

// Copies `from` to `to`, each chunk (and the end) `ms` later than it came.
// Timers of one duration fire in the order they were set, so order is kept;
// a full `to` pauses `from` (what is already delayed is bounded by the SSH
// windows in flight).
function delayedPipe(from: net.Socket, to: net.Socket, ms: number): void {
  let waitingForDrain = false;
  from.on('data', (chunk: Buffer) => {
    setTimeout(() => {
      if (to.destroyed || to.write(chunk) || waitingForDrain) return;
      waitingForDrain = true;
      from.pause();
      to.once('drain', () => { waitingForDrain = false; from.resume(); });
    }, ms);
  });
  from.on('end', () => setTimeout(() => to.end(), ms));
}

/** A known_hosts file naming the proxy's port with sshd's host key. */
export function knownHostsFor(sshd: TestSshd, port: number, file: string): string {
  const line = fs.readFileSync(sshd.knownHostsPath, 'utf8').trim();
  fs.writeFileSync(file, line.replace(/^\[127\.0\.0\.1\]:\d+ /, `[127.0.0.1]:${port} `) + '\n');
  return file;
}
