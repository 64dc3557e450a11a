// startServer()'s login and connection limits, in process with ssh2's client
// and raw sockets on 127.0.0.1: MaxAuthTries, the login log lines, the delay
// after a wrong password, the login grace time, the per-address cap, MaxStartups
// and MaxSessions. The flood against the built CLI is in spec/e2e/serve-flood.test.ts.
import { mkdtemp, rm } from 'node:fs/promises';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, type ClientChannel } from 'ssh2';
import { EventEmitter } from 'node:events';
import type { ConnectionLimits } from '../../../lib/server/connection-limits';
import { ConnectionGate, parseMaxStartups } from '../../../lib/server/connection-limits';
import { logUser } from '../../../lib/server/auth-limits';
import { REPEATS_SAID } from '../../../lib/server/repeated-lines';
import { Jail } from '../../../lib/server/jail';
import { generateHostKeyPair, type HostKey } from '../../../lib/server/host-key';
import { startServer, type RunningServer, type ServeOptions } from '../../../lib/server/server';
import { waitFor } from '../../helpers/async';

let root: string;
let server: RunningServer | undefined;
let log: string[];
const hostKey: HostKey = { privateKey: Buffer.from(generateHostKeyPair().private), publicKey: '', fingerprint: '', path: '', generated: true };

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'scpipe-test-limits-'));
  log = [];
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(root, { recursive: true, force: true });
});

const start = async (limits: ServeOptions['limits'], auth: ServeOptions['auth'] = { user: 'backup', password: 'right' }): Promise<number> => {
  server = await startServer({ jail: await Jail.create(root), hostKey, auth, host: '127.0.0.1', port: 0, log: (l) => log.push(l), limits });
  return server.address.port;
};

// Logs in with each password in turn until one works or the server hangs up;
// resolves with how many were tried and whether it got in.
function guess(port: number, user: string, passwords: string[]): Promise<{ tried: number; in: boolean; localPort: number }> {
  return new Promise((resolve) => {
    const client = new Client();
    let tried = 0;
    let localPort = 0;
    const done = (ok: boolean): void => {
      client.end();
      resolve({ tried, in: ok, localPort });
    };
    client.on('ready', () => done(true));
    client.on('error', () => done(false));
    client.on('close', () => done(false));
    client.on('handshake', () => (localPort = (client as unknown as { _sock: Socket })._sock.localPort ?? 0));
    client.connect({
      host: '127.0.0.1',
      port,
      username: user,
      authHandler: (_methods, _partial, next) => {
        if (tried >= passwords.length) return next(false as never);
        next({ type: 'password', username: user, password: passwords[tried++]! });
      },
    });
  });
}

describe('MaxAuthTries and the login log', () => {
  it('disconnects after 6 wrong passwords, logs each in sshd\'s words, and answers each one late', async () => {
    const port = await start({ failureDelayMs: 40 });
    const began = Date.now();
    const r = await guess(port, 'backup', Array.from({ length: 50 }, (_, i) => `wrong${i}`));
    expect(r).toMatchObject({ tried: 6, in: false });
    expect(Date.now() - began).toBeGreaterThanOrEqual(6 * 40);
    const failed = log.filter((l) => l.startsWith('Failed'));
    expect(failed).toEqual(Array(6).fill(`Failed password for backup from 127.0.0.1 port ${r.localPort} ssh2`));
    expect(log).toContain(`maximum authentication attempts exceeded for backup from 127.0.0.1 port ${r.localPort} ssh2`);
  });

  it('logs an accepted login, and an unknown user as sshd\'s "invalid user"', async () => {
    const port = await start({ failureDelayMs: 1 });
    const ok = await guess(port, 'backup', ['wrong', 'right']);
    expect(ok.in).toBe(true);
    expect(log).toEqual([
      `Failed password for backup from 127.0.0.1 port ${ok.localPort} ssh2`,
      `Accepted password for backup from 127.0.0.1 port ${ok.localPort} ssh2`,
    ]);
    const bad = await guess(port, 'root', ['right']);
    expect(bad.in).toBe(false);
    expect(log).toContain(`Failed password for invalid user root from 127.0.0.1 port ${bad.localPort} ssh2`);
  });

  it('keeps a user name one token, so it cannot forge the address a ban matches', () => {
    expect(logUser('x from 6.6.6.6 port 1 ssh2\n')).toBe('x\\x20from\\x206.6.6.6\\x20port\\x201\\x20ssh2\\n');
    expect(logUser('')).toBe('""');
    expect(logUser('a'.repeat(300))).toHaveLength(100);
  });
});

// A raw TCP connection to the server; resolves with what it received once the server closed it.
function rawSocket(port: number, send = ''): { socket: Socket; closed: Promise<string>; opened: Promise<void>; localPort: () => number } {
  const socket = new Socket();
  let localPort = 0;
  let got = '';
  socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
  socket.on('error', () => undefined);
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(got)));
  const opened = new Promise<void>((resolve) =>
    socket.connect(port, '127.0.0.1', () => {
      localPort = socket.localPort!;
      resolve();
    }),
  );
  if (send) socket.write(send);
  return { socket, closed, opened, localPort: () => localPort };
}

describe('connections that do not log in', () => {
  it('are closed at the login grace time, with a log line', async () => {
    const port = await start({ loginGraceMs: 150 });
    const idle = rawSocket(port);
    await idle.opened;
    const got = await idle.closed;
    expect(got).toMatch(/^SSH-2\.0-/); // admitted: the server's version line, then nothing
    expect(log).toEqual([`Timeout before authentication for 127.0.0.1 port ${idle.localPort()}`]);
  });

  it('are capped per address: the next one is dropped at once with sshd\'s words, and a closed one frees its slot', async () => {
    const port = await start({ maxPerAddress: 2 });
    const held = [rawSocket(port, 'SSH-2.0-idle\r\n'), rawSocket(port, 'SSH-2.0-idle\r\n')];
    await Promise.all(held.map((h) => h.opened));
    await waitFor(() => server !== undefined && log.length === 0 && held.every((h) => h.socket.bytesRead > 0), 'the two to be admitted');
    const third = rawSocket(port);
    expect(await third.closed).toBe('Exceeded MaxStartups\r\n');
    expect(log).toEqual([`drop connection from 127.0.0.1 port ${third.localPort()}: 2 unauthenticated connections from this address (--max-per-address)`]);
    held[0]!.socket.destroy();
    await held[0]!.closed;
    // Its slot is free again.
    await waitFor(async () => (await guess(port, 'backup', ['right'])).in, 'a login once a slot is free');
    held[1]!.socket.destroy();
  });

  // The drops past the first few are summed up when their minute ends; a
  // program that drains and exits (docs/library.md) lost that line.
  it('past the first few, are counted, and a drain without close() says how many', async () => {
    const port = await start({ maxPerAddress: 2 });
    const held = [rawSocket(port, 'SSH-2.0-idle\r\n'), rawSocket(port, 'SSH-2.0-idle\r\n')];
    await waitFor(() => held.every((h) => h.socket.bytesRead > 0), 'the two to be admitted');
    await Promise.all(Array.from({ length: REPEATS_SAID + 3 }, () => rawSocket(port).closed));
    expect(log).toHaveLength(REPEATS_SAID);
    expect(await server!.drain(1000)).toBe(0);
    expect(log.slice(REPEATS_SAID)).toEqual(['3 more like this from 127.0.0.1 in the last minute: drop connection']);
    await Promise.all(held.map((h) => h.closed)); // dropped by the drain: not logged in
  });
});

describe('ConnectionGate', () => {
  const limits: ConnectionLimits = { loginGraceMs: 0, maxStartups: { start: 2, rate: 50, full: 4 }, maxPerAddress: 10, maxSessions: 10, maxConnectionsPerKey: 10, clientAliveIntervalMs: 0, clientAliveCountMax: 3 };
  const fakeSocket = (): Socket => Object.assign(new EventEmitter(), { destroy: () => undefined }) as unknown as Socket;

  it('drops beyond MaxStartups: none below start, rate% at start rising to all at full', () => {
    let roll = 0;
    const gate = new ConnectionGate(limits, () => roll);
    const admit = (r: number, ip = `10.0.0.${gate.pending}`): boolean => {
      roll = r;
      return typeof gate.admit(fakeSocket(), ip, () => undefined) !== 'string';
    };
    expect([admit(0), admit(0)]).toEqual([true, true]); // below start: never dropped
    expect([admit(0.49), admit(0.5)]).toEqual([false, true]); // at start (2): 50%
    expect([admit(0.74), admit(0.75)]).toEqual([false, true]); // at 3: 75%
    expect(admit(0.99)).toBe(false); // at full (4): all
    expect(gate.pending).toBe(4);
  });

  it('frees a slot when its socket closes or it logs in, once', () => {
    const gate = new ConnectionGate({ ...limits, maxPerAddress: 1 });
    const s = fakeSocket();
    const first = gate.admit(s, '10.0.0.1', () => undefined);
    expect(typeof first).toBe('object');
    expect(gate.admit(fakeSocket(), '10.0.0.1', () => undefined)).toMatch(/1 unauthenticated connections from this address/);
    expect(typeof gate.admit(fakeSocket(), '10.0.0.2', () => undefined)).toBe('object'); // another address
    (first as { authenticated(): void }).authenticated();
    s.emit('close');
    expect(gate.pending).toBe(1);
    expect(typeof gate.admit(fakeSocket(), '10.0.0.1', () => undefined)).toBe('object');
  });
});

describe('parseMaxStartups', () => {
  it('reads N and start:rate:full as sshd_config does', () => {
    expect(parseMaxStartups('10:30:100')).toEqual({ start: 10, rate: 30, full: 100 });
    expect(parseMaxStartups('20')).toEqual({ start: 20, rate: 100, full: 20 });
    for (const bad of ['', '0', 'x', '10:30', '10:130:100', '10:30:5']) expect(() => parseMaxStartups(bad)).toThrow(/bad --max-startups/);
  });
});

// Opens `count` sessions on one logged-in connection, each running `scp -t /`
// (which waits for the client's records); resolves with how many opened.
async function openSessions(port: number, count: number): Promise<{ opened: number; refused: number; client: Client }> {
  const client = new Client();
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('error', reject);
    client.connect({ host: '127.0.0.1', port, username: 'backup', password: 'right' });
  });
  const results = await Promise.all(
    Array.from({ length: count }, () => new Promise<boolean>((resolve) => client.exec('scp -t /', (err: Error | undefined, _ch: ClientChannel) => resolve(!err)))),
  );
  return { opened: results.filter(Boolean).length, refused: results.filter((r) => !r).length, client };
}

describe('MaxSessions', () => {
  // The line names the option to raise, as the other limits' lines do; it said "(MaxSessions)", sshd's name.
  it('refuses a session beyond the cap on one connection, and logs it naming --max-sessions', async () => {
    const port = await start({ maxSessions: 3 });
    const r = await openSessions(port, 5);
    expect(r).toMatchObject({ opened: 3, refused: 2 });
    const lines = log.filter((l) => l.includes('refused a session'));
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toMatch(/ refused a session: 3 open \(--max-sessions\)$/);
    r.client.end();
  });
});
