// A relay to a test sshd whose bytes from the server stop being SSH once
// the transfer runs (a byte flipped), and which then neither closes nor
// goes quiet: a byte of noise every 200 ms, and the client's FIN ignored.
import { randomBytes } from 'node:crypto';
import { createServer, Socket, type AddressInfo, type Server } from 'node:net';

// A relay to the sshd that garbles the first `garbled` connections once `after` bytes came from the server.
export async function garblingRelay(sshdPort: number, after: number, garbled: number): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let count = 0;
  const server: Server = createServer({ allowHalfOpen: true }, (client) => {
    const garble = count++ < garbled;
    const upstream = new Socket();
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
    }
    upstream.connect(sshdPort, '127.0.0.1');
    client.on('data', (d: Buffer) => upstream.write(d));
    client.on('end', () => (garble ? undefined : upstream.end())); // the garbling side never hears the FIN
    client.on('close', () => upstream.destroy());
    let passed = 0;
    upstream.on('data', (d: Buffer) => {
      if (!garble || passed >= after) return void client.write(d); // the rest goes on: the packet hit is completed
      passed += d.length;
      if (passed < after) return void client.write(d);
      const bad = Buffer.from(d);
      bad[0]! ^= 0xff; // a byte of some packet: its MAC (or the length after it) no longer holds
      client.write(bad);
      timers.add(setInterval(() => client.writable && client.write(randomBytes(1)), 200));
    });
    upstream.on('close', () => (garble ? undefined : client.destroy()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      timers.forEach(clearInterval);
      sockets.forEach((s) => s.destroy());
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
