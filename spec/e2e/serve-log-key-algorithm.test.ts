// A public key login names its algorithm in the client's own words, and
// serve's login lines (`Failed publickey … ssh2: ED25519 SHA256:…`) showed
// them raw: a client could write escape sequences into the admin's terminal,
// or a newline and a forged line into the log. The client is a test double:
// OpenSSH's ssh names only algorithms it knows.
import { readFileSync } from 'node:fs';
import { Client } from 'ssh2';
import { waitFor } from '../helpers/async';
import { servePerSuite } from '../helpers/serve';

const serve = servePerSuite();

// Asks whether a key that is not authorized (the host's) would do, naming `algorithm` for it, then gives up.
async function queryKeyAs(algorithm: string): Promise<number> {
  const client = new Client();
  const proto = (): { authPK(user: string, key: Buffer, algo: string): void } => (client as unknown as { _protocol: never })._protocol;
  let asked = false;
  const port = new Promise<number>((resolve) => {
    client.connect({
      host: '127.0.0.1',
      port: serve.port,
      username: 'backup',
      hostVerifier: () => true,
      authHandler: (_methods, _partial, next) => {
        if (asked) return (next as unknown as (giveUp: false) => void)(false); // no other method: the client ends
        asked = true;
        proto().authPK('backup', readFileSync(`${serve.dir}/host_key`), algorithm);
        resolve((client as unknown as { _sock: { localPort: number } })._sock.localPort);
        return next({ type: 'none', username: 'backup' });
      },
    });
  });
  client.on('error', () => undefined);
  return port;
}

it('escapes the key algorithm a client names before the login line shows it', async () => {
  const port = await queryKeyAs('ssh-\x1b[1A\x1b[2K\r\nscpipe: Accepted password for root from 203.0.113.9');
  const from = `from 127.0.0.1 port ${port} ssh2: `;
  await waitFor(() => serve.log().includes(from), 'the login line');
  const line = serve.log().split('\n').find((l) => l.includes(from))!;
  const type = '\\x1b[1A\\x1b[2K\\r\\nSCPIPE:\\x20ACCEPTED\\x20PASSWORD\\x20FOR\\x20ROOT\\x20FROM\\x20203.0.113.9';
  expect(line).toMatch(new RegExp(`^scpipe: Failed publickey for backup ${from}${type.replace(/[\\[.]/g, '\\$&')} SHA256:[\\w+/]+$`));
  expect(serve.log()).not.toMatch(/[\x00-\x09\x0b-\x1f]/);
  expect(serve.log()).not.toMatch(/^SCPIPE/m);
});
