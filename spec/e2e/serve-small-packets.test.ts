// A client that sends its SFTP requests a few bytes per SSH packet: what
// waits in serve (up to the channel's window while it reads no reply, up to
// one packet while a request comes in) costs serve about its bytes, not
// some 300 bytes per SSH packet.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, type ClientChannel } from 'ssh2';
import { waitForSteady } from '../helpers/async';
import { servePerSuite } from '../helpers/serve';

const serve = servePerSuite();

const u32 = (n: number): Buffer => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
const str = (b: Buffer): Buffer => Buffer.concat([u32(b.length), b]);
const packet = (type: number, body: Buffer): Buffer => Buffer.concat([u32(body.length + 1), Buffer.from([type]), body]);
const rssKiB = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);

const connect = (): Promise<Client> =>
  new Promise<Client>((resolve, reject) => {
    const c = new Client();
    c.on('ready', () => resolve(c)).on('error', reject);
    c.connect({ host: '127.0.0.1', port: serve.port, username: 'backup', privateKey: readFileSync(serve.keyPath) });
  });
const sftpChannel = (client: Client): Promise<ClientChannel> =>
  new Promise<ClientChannel>((resolve, reject) => client.subsys('sftp', (err: Error | undefined, ch: ClientChannel) => (err ? reject(err) : resolve(ch))));

test('a client that sends its requests in pieces of 16 bytes and reads no reply holds about the window in serve', async () => {
  writeFileSync(join(serve.root, 'big'), Buffer.alloc(4 * 1024 * 1024, 7));
  const client = await connect();
  try {
    const before = rssKiB(serve.process.pid!);
    const channel = await sftpChannel(client);
    channel.pause(); // no reply is ever read: serve's replies fill its window, then its queue, then ours
    channel.on('error', () => undefined);
    channel.write(packet(1, u32(3))); // INIT
    channel.write(packet(3, Buffer.concat([u32(1), str(Buffer.from('/big')), u32(1), u32(0)]))); // OPEN for reading: handle 1
    let pieces = 0;
    let id = 2;
    const send = (): void => {
      for (;;) {
        // READ of 255 KiB at offset 0, in pieces of 16 bytes: one SSH packet each
        const read = packet(5, Buffer.concat([u32(id++), str(u32(1)), u32(0), u32(0), u32(261120)]));
        for (let at = 0; at < read.length; at += 16) {
          pieces++;
          if (!channel.write(read.subarray(at, at + 16))) return void channel.once('drain', send);
        }
      }
    };
    send();
    await waitForSteady(() => pieces, 'the client stopped by the window', 3000, 120_000);
    const grown = (rssKiB(serve.process.pid!) - before) / 1024;
    // The window is 8 MiB; as a Buffer per packet it cost some 90 MiB (30 with them joined).
    expect({ pieces: pieces > 400_000, grownMiB: Math.round(grown) < 60 }).toEqual({ pieces: true, grownMiB: true });
  } finally {
    client.end();
  }
}, 180_000);

test('a 256 KiB write request sent a byte per SSH packet holds about its bytes in serve until it is whole', async () => {
  const client = await connect();
  try {
    const before = rssKiB(serve.process.pid!);
    const channel = await sftpChannel(client);
    channel.on('error', () => undefined);
    channel.write(packet(1, u32(3))); // INIT
    channel.write(packet(3, Buffer.concat([u32(1), str(Buffer.from('/w')), u32(0x1a), u32(0)]))); // OPEN to write: handle 1
    const write = packet(6, Buffer.concat([u32(2), str(u32(1)), u32(0), u32(0), str(Buffer.alloc(262000, 1))]));
    let at = 0;
    const send = (): void => {
      // All but the last byte: the request is never whole, and waits.
      while (at < write.length - 1) if (!channel.write(write.subarray(at, ++at))) return void channel.once('drain', send);
    };
    send();
    await waitForSteady(() => at, 'the whole request but its last byte sent', 3000, 120_000);
    const grown = (rssKiB(serve.process.pid!) - before) / 1024;
    // As a Buffer per SSH packet the 256 KiB cost some 70 MiB.
    expect({ sent: at === write.length - 1, grownMiB: Math.round(grown) < 30 }).toEqual({ sent: true, grownMiB: true });
  } finally {
    client.end();
  }
}, 180_000);
