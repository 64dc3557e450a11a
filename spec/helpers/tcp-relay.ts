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

/** A relay whose chosen connections get every answer late, and may then go silent. */
export interface SlowAnswersRelay extends TcpRelay {
  /** Each connection's client and upstream sockets, in the order they came. */
  links: [Socket, Socket][];
  /** From now on nothing passes either way on the slow connections: a link gone silent, not closed. */
  silence(): void;
}

/**
 * A relay on which the connections `slow(index)` picks (0 for the first)
 * get their answers `delayMs` late, so a test can act between a request and
 * its answer (kill the link, send a signal); the others pass as they come.
 * What the server sends within `delayMs` goes on in one write, as a slow
 * link delivers it: sshd's host keys (hostkeys-00@openssh.com) come with
 * its login's success, not after the client's next request.
 */
export async function startSlowAnswersRelay(targetPort: number, slow: (index: number) => boolean, delayMs = 400): Promise<SlowAnswersRelay> {
  const links: [Socket, Socket][] = [];
  let silent = false;
  const relay = await startTcpRelay(targetPort, (client, upstream) => {
    const held = slow(links.length);
    links.push([client, upstream]);
    client.on('data', (d: Buffer) => (held && silent ? undefined : upstream.write(d)));
    let batch: Buffer[] | undefined;
    upstream.on('data', (d: Buffer) => {
      if (!held) return client.write(d);
      if (batch) return batch.push(d);
      batch = [d];
      setTimeout(() => {
        const out = Buffer.concat(batch!);
        batch = undefined;
        if (!silent) client.write(out);
      }, delayMs);
    });
  });
  return { ...relay, links, silence: () => (silent = true) };
}
