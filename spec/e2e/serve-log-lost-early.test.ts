// An `scp -t` upload whose client is killed before it sent its first record
// (scp -O killed as it starts, a backup script's ssh cut by a timeout) is
// logged as failed, not as `0 bytes ok`, which said a file arrived empty.
// A client that had no file to send and ends its channel still logs `ok`.
// One killed between two files of a multi-file `scp -O` was logged `ok`
// too, as if it had sent all it meant to: now failed, with what it stored.
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import type { ClientChannel } from 'ssh2';
import { waitFor } from '../helpers/async';
import { servePerSuite, ssh2Client } from '../helpers/serve';

const serve = servePerSuite();

/** `scp -t NAME` over a new connection, once serve has answered its first `\0`. */
async function sinkReady(name: string): Promise<{ channel: ClientChannel; sock: Socket; end: () => void }> {
  const client = await ssh2Client(serve);
  const channel = await new Promise<ClientChannel>((resolve, reject) => client.exec(`scp -t ${name}`, (err, ch) => (err ? reject(err) : resolve(ch))));
  await new Promise((resolve) => channel.once('data', resolve));
  return { channel, sock: (client as unknown as { _sock: Socket })._sock, end: () => client.end() };
}

test('a client lost before its first record: the upload is logged failed, nothing is left in the root', async () => {
  const { sock } = await sinkReady('early.bin');
  sock.destroy(); // as a SIGKILLed client's connection ends: no EOF, no close of the channel
  await waitFor(() => serve.log().includes(' upload /early.bin '), 'the upload line');
  const line = serve.log().split('\n').find((l) => l.includes(' upload /early.bin '));
  expect(line).toMatch(/key SHA256:\S+ upload \/early\.bin 0 bytes failed: connection lost before any file$/);
  expect(await readdir(serve.root)).toEqual([]);
});

test('a client that sends no file and ends its channel: the upload is logged ok, as before', async () => {
  const { channel, end } = await sinkReady('none.bin');
  const status = new Promise((resolve) => channel.once('exit', resolve));
  channel.end();
  expect(await status).toBe(0);
  end();
  await waitFor(() => serve.log().includes(' upload /none.bin '), 'the upload line');
  expect(serve.log()).toMatch(/ upload \/none\.bin 0 bytes ok\n/);
  expect(await readdir(serve.root)).toEqual([]);
});

test('a client lost between two files: logged failed with the files stored whole, which stay; no partial file', async () => {
  await mkdir(join(serve.root, 'in'));
  const { channel, sock } = await sinkReady('in');
  const acked = (): Promise<unknown> => new Promise((resolve) => channel.once('data', resolve));
  for (const [name, body] of [['a.bin', 'aaaa'], ['b.bin', 'bb']]) {
    let ack = acked();
    channel.write(`C0644 ${body.length} ${name}\n`);
    await ack;
    ack = acked();
    channel.write(`${body}\0`);
    await ack;
  }
  sock.destroy(); // killed before its third file (or its end): no EOF, no close of the channel
  await waitFor(() => serve.log().includes(' upload /in '), 'the upload line');
  const line = serve.log().split('\n').find((l) => l.includes(' upload /in '));
  expect(line).toMatch(/key SHA256:\S+ upload \/in 6 bytes failed: connection lost after 2 files stored whole: the client went away before it ended the upload$/);
  expect(serve.log()).toMatch(/ stored \/in\/a\.bin 4 bytes\n[^]* stored \/in\/b\.bin 2 bytes\n/);
  expect((await readdir(join(serve.root, 'in'))).sort()).toEqual(['a.bin', 'b.bin']);
  expect(await readFile(join(serve.root, 'in', 'a.bin'), 'utf8')).toBe('aaaa');
});
