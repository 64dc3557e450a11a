// startServer()'s listener, in process: every connection has Nagle's
// algorithm off from its first byte (a download answers each one-byte ack
// with a small record, which Nagle held for the client's delayed ACK: 40 ms
// per file), a port in use is a clear ERR_CONNECT, close() stops
// listening, and its version line names no library or version (a scanner's lead). Transfers through it are in spec/e2e/serve.test.ts.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Socket, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'ssh2';
import { Jail } from '../../../lib/server/jail';
import { generateHostKeyPair, type HostKey } from '../../../lib/server/host-key';
import { startServer, type RunningServer } from '../../../lib/server/server';

let root: string;
let server: RunningServer | undefined;
const hostKey: HostKey = { privateKey: Buffer.from(generateHostKeyPair().private), publicKey: '', fingerprint: '', path: '', generated: true };

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'scpipe-test-server-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  jest.restoreAllMocks();
  await rm(root, { recursive: true, force: true });
});

const start = async (port = 0): Promise<RunningServer> =>
  startServer({ jail: await Jail.create(root), hostKey, auth: { none: true }, host: '127.0.0.1', port, log: () => undefined });

// Connects an ssh2 client and downloads one file with `command` (scp -f);
// resolves with what the server sent and its exit code.
function exec(port: number, command: string): Promise<{ stdout: Buffer; code: number | undefined }> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.on('error', reject);
    client.on('ready', () => {
      client.exec(command, (err, channel) => {
        if (err) return reject(err);
        const out: Buffer[] = [];
        let code: number | undefined;
        // Plays scp -t for one file: an ack for the record, one for the body's \0, then EOF.
        channel.on('data', (d: Buffer) => {
          out.push(d);
          const got = Buffer.concat(out).toString();
          if (got.endsWith('\n') && got.startsWith('C') && got.indexOf('\n') === got.length - 1) channel.write('\0');
          else if (got.endsWith('\0')) channel.end('\0');
        });
        channel.stderr.resume();
        channel.on('exit', (c: number) => (code = c));
        channel.on('close', () => {
          client.end();
          resolve({ stdout: Buffer.concat(out), code });
        });
        channel.write('\0'); // ready for the first record
      });
    });
    client.connect({ host: '127.0.0.1', port, username: 'anyone' });
  });
}

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

describe('startServer', () => {
  test('its version line is SSH-2.0-scpipe, with no library or version number in it', async () => {
    server = await start();
    expect(await firstLine(server.address.port)).toBe('SSH-2.0-scpipe');
  });

  it('turns Nagle off on each connection it accepts, and serves over it', async () => {
    const noDelay = jest.spyOn(Socket.prototype, 'setNoDelay');
    server = await start();
    const { port } = server.address;
    await writeFile(join(root, 'f'), 'hello\n');
    const onServerSide = () => noDelay.mock.contexts.filter((s) => (s as Socket).localPort === port);
    const { stdout, code } = await exec(port, 'scp -f /f');
    expect(stdout.toString()).toBe('C0644 6 f\nhello\n\0');
    expect(code).toBe(0);
    const calls = onServerSide();
    expect(calls).toHaveLength(1);
    expect(noDelay.mock.calls[noDelay.mock.contexts.indexOf(calls[0])]).toEqual([true]);
  });

  it('reports a port in use as ERR_CONNECT with the address', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const { port } = busy.address() as AddressInfo;
    try {
      await expect(start(port)).rejects.toMatchObject({ code: 'ERR_CONNECT', message: `cannot listen on 127.0.0.1:${port}: Address already in use` });
    } finally {
      busy.close();
    }
  });

  it('stops listening on close()', async () => {
    const running = await start();
    const { port } = running.address;
    await running.close();
    const refused = await new Promise<string>((resolve) => {
      const s = new Socket();
      s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? ''));
      s.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve('connected');
      });
    });
    expect(refused).toBe('ECONNREFUSED');
  });

  it('close() ends a connection that never sent its version line, at once', async () => {
    const running = await start();
    const silent = new Socket();
    const closed = new Promise<void>((resolve) => silent.once('close', () => resolve()));
    silent.on('error', () => undefined);
    // The server's version line shows it was accepted and handed to ssh2 (a
    // fixed wait let close() come first on a loaded machine, proving nothing).
    const greeted = new Promise<string>((resolve) => silent.once('data', (d: Buffer) => resolve(d.toString('latin1'))));
    await new Promise<void>((resolve) => silent.connect(running.address.port, '127.0.0.1', resolve));
    expect(await greeted).toMatch(/^SSH-2\.0-/);
    silent.resume(); // reads on, so that it sees the server's end
    const started = Date.now();
    await running.close();
    await closed;
    expect(Date.now() - started).toBeLessThan(2000); // not the login grace time (120 s)
  });
});
