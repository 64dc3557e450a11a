// A server whose only host key algorithm is ssh-rsa (RSA signed with SHA-1:
// OpenSSH before 7.2, old appliances). ssh has refused it by default since
// OpenSSH 8.8 ("no matching host key type found. Their offer: ssh-rsa") and
// takes it with HostKeyAlgorithms +ssh-rsa; scpipe must do both the same way.
// A test double: OpenSSH's sshd no longer offers it either.
import { generateKeyPairSync } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Server } from 'ssh2';
import { runCli } from '../helpers/cli';

let server: Server;
let port: string;

beforeAll(async () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  server = new Server({ hostKeys: [rsa], algorithms: { serverHostKey: ['ssh-rsa'] } }, (conn) => {
    conn.on('error', () => undefined);
    conn.on('authentication', (ctx) => ctx.reject(['publickey']));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = String((server.address() as AddressInfo).port);
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const args = (...extra: string[]): string[] => [
  'get', '-F', 'none', '-P', port, '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', ...extra, 'nobody@127.0.0.1:x',
];

it('is refused by default: the handshake fails, exit 255', async () => {
  const r = await runCli(args(), { timeoutMs: 30_000 });
  expect(r.status).toBe(255);
  expect(r.stderr).toContain('no matching host key format (an old server may offer only ssh-rsa, SHA-1 signatures, which ssh refuses too since OpenSSH 8.8; to accept it anyway: -o HostKeyAlgorithms=+ssh-rsa)');
  expect(r.stderr).not.toMatch(/Permission denied/);
});

it('is accepted with -o HostKeyAlgorithms=+ssh-rsa (it gets as far as authentication)', async () => {
  const r = await runCli(args('-o', 'HostKeyAlgorithms=+ssh-rsa'), { timeoutMs: 30_000 });
  expect(r.status).toBe(255);
  expect(r.stderr).toMatch(/Permission denied/);
});
