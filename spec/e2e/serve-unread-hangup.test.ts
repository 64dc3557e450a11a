// A client that queues more SFTP reads than serve takes, reads no reply, and
// vanishes: its session must end (the file closed, its log line written),
// though ssh2 never says 'close' of a channel paused when its connection went.
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'ssh2';
import type { SFTPWrapper } from 'ssh2';
import { waitFor, waitForSteady } from '../helpers/async';
import { servePerSuite } from '../helpers/serve';

const serve = servePerSuite();

const opened = (pid: number, path: string): number =>
  readdirSync(`/proc/${pid}/fd`).filter((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`) === path;
    } catch {
      return false;
    }
  }).length;
const readBytes = (pid: number): number => Number(/rchar:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))![1]);

test('the session of a client gone with 300 reads queued ends: its file is closed and logged', async () => {
  const big = join(serve.root, 'unread.bin');
  writeFileSync(big, Buffer.alloc(8 * 1024 * 1024, 7));
  const pid = serve.process.pid!;
  const client = new Client();
  const sftp = await new Promise<SFTPWrapper>((resolve, reject) => {
    client.on('ready', () => client.sftp((err, s) => (err ? reject(err) : resolve(s)))).on('error', reject);
    client.connect({ host: '127.0.0.1', port: serve.port, username: 'backup', privateKey: readFileSync(serve.keyPath) });
  });
  client.on('error', () => undefined);
  const handle = await new Promise<Buffer>((resolve, reject) => sftp.open('/unread.bin', 'r', (err, h) => (err ? reject(err) : resolve(h))));
  const sock = (client as unknown as { _sock: { pause(): void; destroy(): void } })._sock;
  sock.pause(); // no reply is read from here on: serve's window, then its queue, fill
  for (let k = 0; k < 300; k++) sftp.read(handle, Buffer.alloc(261120), 0, 261120, (k % 32) * 261120, () => undefined);
  await waitForSteady(() => readBytes(pid), 'serve stopped reading the file', 500, 30_000);
  expect(opened(pid, big)).toBe(1);
  sock.destroy();
  await waitFor(() => /sftp download \/unread\.bin \d+ bytes not closed: the session ended with the file open/.test(serve.log()), 'the log line of the file left open', 15_000);
  expect(opened(pid, big)).toBe(0);
}, 60_000);
