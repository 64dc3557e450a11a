// The test doubles' stop() waited for every connection to end: one a client
// left open (a run killed half-way, a socket never closed) held it for ever,
// so the test timed out and left its keys in /tmp. It now cuts them after a grace.
import { existsSync } from 'node:fs';
import { Socket } from 'node:net';
import { dirname } from 'node:path';
import { Server } from 'ssh2';
import { fakeEndpoint } from '../../helpers/fake-endpoint';

it('stop() ends with a connection still open, and removes its directory', async () => {
  const endpoint = await fakeEndpoint('scpipe-test-fake-endpoint-');
  const server = new Server({ hostKeys: [endpoint.hostKey] }, (client) => client.on('error', () => undefined));
  const listening = await endpoint.listen(server);
  const args = listening.args();
  const dir = dirname(args[args.indexOf('-i') + 1]!);
  const idle = new Socket().on('error', () => undefined);
  let got = '';
  idle.on('data', (d: Buffer) => (got += d.toString('latin1')));
  const closed = new Promise((r) => idle.once('close', r));
  await new Promise<void>((r) => idle.connect(listening.port, '127.0.0.1', r));
  expect(existsSync(dir)).toBe(true);
  await listening.stop();
  await closed;
  expect(got).toMatch(/^SSH-2\.0-/); // it was a connection of the server's
  expect(existsSync(dir)).toBe(false);
}, 20_000);
