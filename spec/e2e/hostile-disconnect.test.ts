// A hostile server's own words before the host key is checked: the text of
// its SSH_MSG_DISCONNECT reaches the user's terminal only escaped, as ssh
// shows it (log.c passes every message through strnvis). A test double: no
// honest sshd sends terminal escapes there.
import { createServer, type AddressInfo, type Server } from 'node:net';
import { runCli } from '../helpers/cli';

const EVIL = 'go away \x1b]0;pwned\x07\x1b[2J\r';
let server: Server;

// One unencrypted binary packet (RFC 4253 §6), padded to a multiple of 8.
function packet(payload: Buffer): Buffer {
  let pad = 8 - ((payload.length + 5) % 8);
  if (pad < 4) pad += 8;
  const out = Buffer.alloc(5 + payload.length + pad);
  out.writeUInt32BE(1 + payload.length + pad, 0);
  out[4] = pad;
  payload.copy(out, 5);
  return out;
}

function disconnect(text: string): Buffer {
  const desc = Buffer.from(text);
  const p = Buffer.alloc(13 + desc.length);
  p[0] = 1; // SSH_MSG_DISCONNECT
  p.writeUInt32BE(2, 1); // SSH_DISCONNECT_PROTOCOL_ERROR
  p.writeUInt32BE(desc.length, 5);
  desc.copy(p, 9);
  p.writeUInt32BE(0, 9 + desc.length); // language tag
  return packet(p);
}

beforeAll(async () => {
  server = createServer((s) => {
    s.on('error', () => undefined);
    s.write('SSH-2.0-OpenSSH_9.2\r\n');
    s.once('data', () => s.end(disconnect(EVIL)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

it("a server's DISCONNECT text is shown escaped, exit 255", async () => {
  const port = String((server.address() as AddressInfo).port);
  const r = await runCli(['get', '-P', port, '-o', 'BatchMode=yes', '127.0.0.1:x'], { timeoutMs: 30_000 });
  expect(r.status).toBe(255);
  expect(r.stderr).toContain('go away \\x1b]0;pwned\\x07\\x1b[2J\\r');
  expect(r.stderr).not.toMatch(/[\x1b\x07\r]/);
});

it('-v: the same text in the connection log is escaped too', async () => {
  const port = String((server.address() as AddressInfo).port);
  const r = await runCli(['get', '-v', '-P', port, '-o', 'BatchMode=yes', '127.0.0.1:x'], { timeoutMs: 30_000 });
  expect(r.status).toBe(255);
  expect(r.stderr).not.toMatch(/[\x1b\x07\r]/);
});

describe('a server that rejects with method names holding terminal escapes', () => {
  let evil: Server;
  beforeAll(async () => {
    const { Server: SshServer } = await import('ssh2');
    const { generateHostKeyPair } = await import('../../lib/server/host-key');
    const hostKey = generateHostKeyPair();
    const ssh = new SshServer({ hostKeys: [hostKey.private] }, (conn) => {
      conn.on('error', () => undefined);
      conn.on('authentication', (ctx) => ctx.reject(['publickey', 'x\x1b]0;pwned\x07\x1b[2J' as 'password']));
    });
    await new Promise<void>((resolve) => ssh.listen(0, '127.0.0.1', resolve));
    evil = ssh as unknown as Server;
  });
  afterAll(async () => {
    await new Promise((resolve) => evil.close(resolve));
  });

  it('the refusal and the -v log show them escaped', async () => {
    const port = String((evil.address() as AddressInfo).port);
    const r = await runCli(['get', '-v', '-P', port, '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '127.0.0.1:x'], { timeoutMs: 30_000 });
    expect(r.status).toBe(255);
    expect(r.stderr).toContain('x\\x1b]0;pwned\\x07\\x1b[2J');
    expect(r.stderr).not.toMatch(/[\x1b\x07]/);
  });
});
