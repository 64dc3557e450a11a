// A client that grants a window of 4 GiB and then reads nothing from its TCP
// connection: ssh2 would put all it asks for into the socket's buffer, in
// serve's memory (a whole file); serve stops at a bounded backlog instead.
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, type ClientChannel, type SFTPWrapper } from 'ssh2';
import { waitForSteady } from '../helpers/async';
import { servePerSuite } from '../helpers/serve';

const serve = servePerSuite();
const SIZE = 256 * 1024 * 1024;

const rssKiB = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
const readBytes = (pid: number): number => Number(/rchar:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))![1]);

interface Hostile { client: Client; grant(ch: unknown): void; stopReading(): void }
const connect = (): Promise<Hostile> =>
  new Promise((resolve, reject) => {
    const client = new Client();
    const internals = client as unknown as { _protocol: { channelWindowAdjust(id: number, n: number): void }; _sock: { pause(): void } };
    client.on('ready', () => resolve({
      client,
      // Raises what serve may send on the channel to about 4 GiB.
      grant: (ch) => internals._protocol.channelWindowAdjust((ch as { outgoing: { id: number } }).outgoing.id, 0xffffffff - 4 * 1024 * 1024),
      stopReading: () => internals._sock.pause(),
    })).on('error', reject);
    client.connect({ host: '127.0.0.1', port: serve.port, username: 'backup', privateKey: readFileSync(serve.keyPath) });
  });

beforeAll(() => {
  writeFileSync(join(serve.root, 'huge.bin'), '');
  truncateSync(join(serve.root, 'huge.bin'), SIZE); // sparse: read at memory speed
});

// Once serve has stopped reading the file, what it holds for the client has grown by under `boundMiB` (64 MiB).
async function expectBoundedOnceSteady(pid: number, beforeKiB: number, boundMiB = 64): Promise<void> {
  await waitForSteady(() => readBytes(pid), 'serve stopped reading the file', 1000, 120_000);
  const grownMiB = Math.round((rssKiB(pid) - beforeKiB) / 1024);
  expect({ grownMiB, bounded: grownMiB < boundMiB }).toEqual({ grownMiB, bounded: true });
}

// A download started on a new `scp -f` channel, granted ~4 GiB; resolves once its data flows.
const startDownload = (h: Hostile): Promise<void> =>
  new Promise((resolve, reject) => h.client.exec('scp -f /huge.bin', (err, ch) => {
    if (err) return reject(err);
    h.grant(ch);
    ch.once('data', () => {
      ch.write('\0'); // take the file's record: its data follows
      resolve();
    });
    ch.write('\0');
  }));

test('SFTP: reads of 256 MiB asked for, none read, hold a bounded part of it in serve', async () => {
  const pid = serve.process.pid!;
  const { client, grant, stopReading } = await connect();
  client.on('error', () => undefined);
  try {
    const sftp = await new Promise<SFTPWrapper>((resolve, reject) => client.sftp((err, s) => (err ? reject(err) : resolve(s))));
    grant((sftp as unknown as { _stream?: unknown })._stream ?? sftp);
    const handle = await new Promise<Buffer>((resolve, reject) => sftp.open('/huge.bin', 'r', (err, h) => (err ? reject(err) : resolve(h))));
    const before = rssKiB(pid);
    stopReading();
    const into = Buffer.alloc(261120); // never filled: no reply is read
    for (let off = 0; off < SIZE; off += into.length) sftp.read(handle, into, 0, into.length, off, () => undefined);
    await expectBoundedOnceSteady(pid, before);
  } finally {
    client.end();
  }
}, 180_000);

test('SCP: a download of 256 MiB, none of it read, holds a bounded part of it in serve', async () => {
  const pid = serve.process.pid!;
  const { client, grant, stopReading } = await connect();
  client.on('error', () => undefined);
  try {
    const ch = await new Promise<ClientChannel>((resolve, reject) => client.exec('scp -f /huge.bin', (err, c) => (err ? reject(err) : resolve(c))));
    grant(ch);
    const before = rssKiB(pid);
    ch.once('data', () => {
      ch.write('\0'); // take the file's record: its data follows
      stopReading();
    });
    ch.write('\0');
    await expectBoundedOnceSteady(pid, before);
  } finally {
    client.end();
  }
}, 180_000);

// docs/performance.md §9: about 2.5 MiB a session past the first, 40 MiB for
// ten on one connection; each session is bounded, and --max-sessions bounds them.
test('SCP: ten downloads on one connection (--max-sessions), none read, hold a bounded part in serve', async () => {
  const pid = serve.process.pid!;
  const h = await connect();
  h.client.on('error', () => undefined);
  try {
    const before = rssKiB(pid);
    for (let i = 0; i < 10; i++) await startDownload(h);
    h.stopReading();
    await expectBoundedOnceSteady(pid, before, 128);
  } finally {
    h.client.end();
  }
}, 180_000);
