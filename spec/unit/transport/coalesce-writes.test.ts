import * as net from 'node:net';
import { once } from 'node:events';
import { coalesceWrites } from '../../../lib/transport/coalesce-writes';

// A connected pair on 127.0.0.1: `client` is the socket under test, `received` what the other end read.
async function socketPair(): Promise<{ client: net.Socket; received: () => Promise<Buffer>; close: () => void }> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  const accepted = once(server, 'connection') as Promise<[net.Socket]>;
  const client = net.connect(port, '127.0.0.1');
  await once(client, 'connect');
  const [peer] = await accepted;
  const chunks: Buffer[] = [];
  peer.on('data', (d: Buffer) => chunks.push(d));
  const ended = once(peer, 'end');
  return {
    client,
    received: async () => {
      client.end();
      await ended;
      return Buffer.concat(chunks);
    },
    close: () => {
      client.destroy();
      peer.destroy();
      server.close();
    },
  };
}

describe('coalesceWrites', () => {
  it('hands the writes of one tick to the kernel in one writev, in order', async () => {
    const pair = await socketPair();
    try {
      coalesceWrites(pair.client);
      const writev = jest.spyOn(pair.client as unknown as { _writev: (...a: unknown[]) => void }, '_writev');
      const parts = [Buffer.alloc(32 * 1024, 1), Buffer.alloc(32 * 1024, 2), Buffer.from('three')];
      for (const part of parts) pair.client.write(part);
      expect(pair.client.writableCorked).toBe(1); // gathered until the tick ends
      await new Promise((resolve) => process.nextTick(resolve));
      expect(pair.client.writableCorked).toBe(0);
      expect(writev).toHaveBeenCalledTimes(1);
      expect((writev.mock.calls[0]![0] as unknown[]).length).toBe(3);
      expect(await pair.received()).toEqual(Buffer.concat(parts));
    } finally {
      pair.close();
    }
  });

  it('uncorks after every tick, so a lone write is not held back', async () => {
    const pair = await socketPair();
    try {
      coalesceWrites(pair.client);
      pair.client.write('a');
      await new Promise((resolve) => setImmediate(resolve));
      pair.client.write('b');
      await new Promise((resolve) => setImmediate(resolve));
      expect(pair.client.writableCorked).toBe(0);
      expect((await pair.received()).toString()).toBe('ab');
    } finally {
      pair.close();
    }
  });
});
