// A TCP relay on 127.0.0.1 to 127.0.0.1:targetPort: each connection made to
// it gets one to the target, handed to `pair` to pass bytes as it likes (a
// slow link, a stalled one); either side's end closes both, close() all.
import { createServer, Socket, type AddressInfo } from 'node:net';

export interface TcpRelay {
  port: number;
  close(): Promise<void>;
}

/** Starts the relay; `pair` is called with each client and its upstream, as the upstream connects. */
export async function startTcpRelay(targetPort: number, pair: (client: Socket, upstream: Socket) => void): Promise<TcpRelay> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = new Socket();
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => (client.destroy(), upstream.destroy()));
    }
    upstream.connect(targetPort, '127.0.0.1');
    pair(client, upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      sockets.forEach((s) => s.destroy());
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
