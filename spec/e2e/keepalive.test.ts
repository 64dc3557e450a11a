// A server that stops answering mid-transfer (a test double for a dead link:
// a loopback proxy whose connections start dropping every byte) is reported
// as ssh reports it: no answer for ServerAliveInterval × ServerAliveCountMax,
// after the stage it happened in; with retries, each retry says why, and
// when they are spent the keepalive timeout is still the first thing said.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, Socket, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { get, put, startServer, Jail, type RetryEvent, type RunningServer } from '../../lib';
import { generateHostKeyPair } from '../../lib/server/host-key';
import { waitFor } from '../helpers/async';

const KEEPALIVE = 'no answer from the server for 2 s (ServerAliveInterval 1 s × ServerAliveCountMax 2)';

let root: string;
let server: RunningServer;

// Forwards both ways; cut() makes the connections open now swallow every
// byte from then on; refuseNew closes new ones at once (the host is gone).
class DeadLinkProxy {
  private readonly pairs: { dropping: boolean; sockets: Socket[] }[] = [];
  refuseNew = false;
  private constructor(private readonly proxy: Server) {}

  static async start(port: number): Promise<DeadLinkProxy> {
    const proxy = createServer();
    const self = new DeadLinkProxy(proxy);
    proxy.on('connection', (client) => self.accept(client, port));
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    return self;
  }

  get port(): number {
    return (this.proxy.address() as AddressInfo).port;
  }

  cut(): void {
    for (const p of this.pairs) p.dropping = true;
  }

  async close(): Promise<void> {
    for (const p of this.pairs) for (const s of p.sockets) s.destroy();
    await new Promise((r) => this.proxy.close(r));
  }

  private accept(client: Socket, port: number): void {
    if (this.refuseNew) {
      client.destroy();
      return;
    }
    const upstream = new Socket();
    const pair = { dropping: false, sockets: [client, upstream] };
    this.pairs.push(pair);
    for (const s of pair.sockets) s.on('error', () => undefined);
    upstream.connect(port, '127.0.0.1');
    client.on('data', (d: Buffer) => pair.dropping || upstream.write(d));
    upstream.on('data', (d: Buffer) => pair.dropping || client.write(d));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }
}

let proxy: DeadLinkProxy;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'scpipe-test-keepalive-'));
  const hostKey = { privateKey: Buffer.from(generateHostKeyPair().private), publicKey: '', fingerprint: '', path: '', generated: true };
  server = await startServer({ jail: await Jail.create(root), hostKey, auth: { none: true }, host: '127.0.0.1', port: 0, log: () => undefined });
});
beforeEach(async () => {
  proxy = await DeadLinkProxy.start(server.address.port);
});
afterEach(async () => {
  await proxy.close();
});
afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

function target() {
  return {
    host: '127.0.0.1',
    port: proxy.port,
    configFile: 'none',
    options: ['StrictHostKeyChecking=no', 'UserKnownHostsFile=/dev/null', 'ServerAliveInterval=1', 'ServerAliveCountMax=2'],
  };
}

// Endless on demand: only the channel's window limits what goes out.
function endless(): Readable {
  const chunk = Buffer.alloc(64 * 1024, 1);
  return new Readable({ read() { this.push(chunk); } });
}

describe('a keepalive timeout is said as ssh says it', () => {
  it('put over SCP, streamed (no retry possible): after the stage', async () => {
    const input = endless();
    const sending = put(target(), '/k.bin', input, {
      protocol: 'scp',
      size: 1n << 40n,
      onProgress: (p) => p.bytes > 0n && proxy.cut(),
    });
    await expect(sending).rejects.toMatchObject({
      code: 'ERR_LOST_CONNECTION',
      message: expect.stringContaining(`connection lost while sending the file data: ${KEEPALIVE}`),
    });
    input.destroy();
  });

  it('put over SCP from the spool: the retry says why, and the upload then ends whole', async () => {
    const data = randomBytes(64 * 1024 * 1024);
    const retries: RetryEvent[] = [];
    let cut = false;
    const result = await put(target(), '/retried.bin', Readable.from([data]), {
      protocol: 'scp',
      retries: 1,
      backoffMs: [0],
      onRetry: (e) => retries.push(e),
      onProgress: (p) => {
        if (p.phase === 'transfer' && p.bytes > 0n && !cut) {
          cut = true;
          proxy.cut(); // only the connection open now: the retry connects anew
        }
      },
    });
    expect(retries).toHaveLength(1);
    expect((retries[0]!.error as Error).message).toContain(KEEPALIVE);
    expect(result.bytes).toBe(BigInt(data.length));
    expect((await readFile(join(root, 'retried.bin'))).equals(data)).toBe(true);
  });

  it('put over SCP from the spool: retries spent, the keepalive timeout is still said first', async () => {
    const sending = put(target(), '/spent.bin', Readable.from([randomBytes(64 * 1024 * 1024)]), {
      protocol: 'scp',
      retries: 1,
      backoffMs: [0],
      onProgress: (p) => {
        if (p.phase === 'transfer' && p.bytes > 0n) {
          proxy.refuseNew = true;
          proxy.cut();
        }
      },
    });
    const err = await sending.then(() => undefined, (e: unknown) => e as Error & { code: string });
    expect(err).toMatchObject({ code: 'ERR_LOST_CONNECTION' });
    expect(err!.message).toMatch(new RegExp(`^connection lost while sending the file data: ${escapeRe(KEEPALIVE)}.*; 1 retry failed too, the last: `));
  });

  it('put over SFTP: the session ended, and why', async () => {
    const input = endless();
    const sending = put(target(), '/s.bin', input, { protocol: 'sftp', retries: 0, onProgress: (p) => p.bytes > 0n && proxy.cut() });
    await expect(sending).rejects.toMatchObject({ code: 'ERR_LOST_CONNECTION', message: expect.stringContaining(`the SFTP session ended: ${KEEPALIVE}`) });
    input.destroy();
  });

  it('put of a parts set over SCP: a part whose channel is never answered says why, not ssh2\'s "No response from server"', async () => {
    // The next part asks for its channel once the link is dead; the first is
    // confirmed (its exit status through the proxy) before the cut, or the cut would fail it instead.
    let confirmed = 0n;
    async function* input(): AsyncGenerator<Buffer> {
      yield Buffer.alloc(1024, 3);
      await waitFor(() => confirmed === 1024n, 'the first part confirmed', 15_000);
      proxy.cut();
      yield Buffer.alloc(1024, 4);
    }
    const sending = put(target(), '/unopened', Readable.from(input()), { protocol: 'scp', partSize: 1024, parallel: 1, retries: 0, onProgress: (p) => (confirmed = p.bytes) });
    await expect(sending).rejects.toMatchObject({ code: 'ERR_LOST_CONNECTION', message: expect.stringContaining(`connection lost before the command started: ${KEEPALIVE}`) });
  });

  it('get over SCP: the body fails in the middle of the file, said once', async () => {
    await writeFile(join(root, 'big.bin'), Buffer.alloc(64 * 1024 * 1024, 2));
    const download = await get(target(), '/big.bin', { protocol: 'scp', parts: false });
    const failure = new Promise<Error>((resolve) => download.body.on('error', resolve));
    download.body.once('data', () => proxy.cut());
    download.body.resume();
    const err = await failure;
    expect(err.message).toBe(`connection lost in the middle of a file: ${KEEPALIVE}`);
    await expect(download.done).rejects.toBeDefined();
  });
});

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
