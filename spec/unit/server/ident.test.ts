// What serve tells any TCP client before it logs in: its software version
// line names scpipe, not the SSH library and its version (a scanner's lead).
import { mkdtemp, rm } from 'node:fs/promises';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Jail } from '../../../lib/server/jail';
import { generateHostKeyPair, type HostKey } from '../../../lib/server/host-key';
import { startServer, type RunningServer } from '../../../lib/server/server';

let root: string;
let server: RunningServer | undefined;
const hostKey: HostKey = { privateKey: Buffer.from(generateHostKeyPair().private), publicKey: '', fingerprint: '', path: '', generated: true };

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'scpipe-test-ident-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(root, { recursive: true, force: true });
});

// The first line the server sends, as a client reads it before its own.
function firstLine(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    let got = '';
    socket.setTimeout(10_000, () => socket.destroy(new Error('no version line within 10 s')));
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      got += chunk.toString('latin1');
      const end = got.indexOf('\r\n');
      if (end < 0) return;
      socket.destroy();
      resolve(got.slice(0, end));
    });
    socket.connect(port, '127.0.0.1');
  });
}

test('the version line is SSH-2.0-scpipe, with no library or version number in it', async () => {
  server = await startServer({ jail: await Jail.create(root), hostKey, auth: { user: 'backup', password: 'right' }, host: '127.0.0.1', port: 0, log: () => undefined });
  expect(await firstLine(server.address.port)).toBe('SSH-2.0-scpipe');
});
