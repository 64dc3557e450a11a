// A client's DISCONNECT carries its own text, which `scpipe serve -v` logs:
// raw, a hostile client wrote escape sequences into the admin's terminal
// (retitling it, clearing it) or a CR into a log line. Logged as sshd
// logs a peer's text: cut and escaped. The client is a test double: no
// real client sends control characters in its reason.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Client } from 'ssh2';
import { waitFor } from '../helpers/async';
import { servePerSuite } from '../helpers/serve';

const serve = servePerSuite(['-v']);

// Sends DISCONNECT (reason 2, protocol error) with `text` as its description, over ssh2's encrypted channel.
function disconnectWith(client: Client, text: string): void {
  type Rw = { allocStartKEX: number; alloc(n: number, force: boolean): Buffer; finalize(p: Buffer, force: boolean): Buffer };
  const proto = (client as unknown as { _protocol: { _packetRW: { write: Rw }; _cipher: { encrypt(p: Buffer): void } } })._protocol;
  const desc = Buffer.from(text);
  const rw = proto._packetRW.write;
  let p = rw.allocStartKEX;
  const packet = rw.alloc(1 + 4 + 4 + desc.length + 4, true);
  packet[p] = 1; // SSH_MSG_DISCONNECT
  packet.writeUInt32BE(2, ++p);
  packet.writeUInt32BE(desc.length, (p += 4));
  desc.copy(packet, (p += 4));
  packet.writeUInt32BE(0, p + desc.length); // language tag
  proto._cipher.encrypt(rw.finalize(packet, true));
}

it('escapes the text of a client\'s DISCONNECT before -v logs it', async () => {
  const client = new Client();
  client.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    client.once('ready', resolve).once('error', reject);
    client.connect({ host: '127.0.0.1', port: serve.port, username: 'backup', privateKey: readFileSync(serve.keyPath), hostVerifier: () => true });
  });
  const port = (client as unknown as { _sock: { localPort: number } })._sock.localPort;
  disconnectWith(client, 'bye\x1b]0;pwned\x07\x1b[2J\r');
  await waitFor(() => serve.log().includes(`127.0.0.1:${port}: bye`), 'the DISCONNECT in the log');
  client.end();
  const line = serve.log().split('\n').find((l) => l.includes(`127.0.0.1:${port}: bye`))!;
  expect(line).toBe(`scpipe: 127.0.0.1:${port}: bye\\x1b]0;pwned\\x07\\x1b[2J\\r`);
});

// The SCP roles' own `exit status` line is their peer's, which serve's channel
// stands in for with 0: after a file refused, -v said `exit status 0` where
// the client was sent 1.
it('-v logs the exit status an scp -O upload was sent, 1 after a refused file', async () => {
  const mark = serve.log().length;
  const r = spawnSync('scp', ['-O', ...serve.sshArgs(), serve.keyPath + '.pub', '127.0.0.1:/nodir/'], { encoding: 'utf8' });
  expect(r.status).toBe(1);
  await waitFor(() => / upload \/nodir 0 bytes failed/.test(serve.log().slice(mark)), 'the failed upload logged');
  const lines = serve.log().slice(mark);
  expect(lines).toMatch(/ > exit status 1\n.* upload \/nodir 0 bytes failed: \/nodir\/: No such file or directory\n/);
  expect(lines).not.toMatch(/exit status 0/);
});
