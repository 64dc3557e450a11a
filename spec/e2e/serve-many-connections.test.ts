// `scpipe serve` runs for months: what each kind of short connection costs
// must be given back when it ends. Hundreds of failed logins, connections
// dropped in key exchange and in authentication, logins that open no
// channel, sockets that stay silent past the login grace time, real `scp -O`
// and `sftp` transfers and `scp -O` uploads killed mid-file leave serve with
// the descriptors it had before, no warning (MaxListenersExceededWarning and
// the like) and no temporary file in the root.
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'ssh2';
import { waitFor } from '../helpers/async';
import { servePerSuite, sftpBatch } from '../helpers/serve';

const serve = servePerSuite(['--login-grace-time', '1', '--max-per-address', '20', '--max-startups', '40:30:100']);
let local: string;

beforeAll(async () => {
  local = await mkdtemp(join(tmpdir(), 'scpipe-test-many-'));
  await writeFile(join(local, 'small'), Buffer.alloc(4096, 7));
  await writeFile(join(local, 'big'), Buffer.alloc(64 << 20, 8));
});
afterAll(async () => {
  if (local) await rm(local, { recursive: true, force: true });
});

const descriptors = (): string[] => readdirSync(`/proc/${serve.process.pid}/fd`).map((fd) => {
  try {
    return readlinkSync(`/proc/${serve.process.pid}/fd/${fd}`);
  } catch {
    return 'closed meanwhile';
  }
});

/** Runs `one` `n` times, `at` at once. */
async function times(n: number, at: number, one: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: at }, async () => {
    while (next < n) await one(next++);
  }));
}

/** An ssh2 client that ends on `ready` or whatever `on` does; resolves once its connection closed. */
function ssh2Connection(privateKey: Buffer, on: (c: Client) => void = (c) => c.on('ready', () => c.end())): Promise<void> {
  return new Promise((resolve) => {
    const c = new Client();
    c.on('error', () => undefined).on('close', () => resolve());
    on(c);
    c.connect({ host: '127.0.0.1', port: serve.port, username: 'backup', privateKey, readyTimeout: 60_000 });
  });
}

/** A socket that sends `line` (none: silent), then closes once it got `after` bytes, or waits for serve to close it. */
function rawSocket(line?: string, after?: number): Promise<void> {
  return new Promise((resolve) => {
    const s = new Socket();
    let got = 0;
    s.on('error', () => undefined).on('close', () => resolve());
    s.on('data', (d: Buffer) => {
      got += d.length;
      if (after !== undefined && got >= after) s.destroy();
    });
    s.connect(serve.port, '127.0.0.1', () => (line === undefined ? undefined : s.write(line)));
  });
}

function program(cmd: string, args: string[], killWhen?: () => Promise<boolean>): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'ignore' });
    child.once('close', (status) => resolve(status));
    if (killWhen) void waitFor(killWhen, 'the upload begun', 30_000).finally(() => child.kill('SIGKILL'));
  });
}

test('hundreds of connections of every kind leave serve with the descriptors it had, no warning and no temporary file', async () => {
  const key = await readFile(serve.keyPath);
  execFileSync('ssh-keygen', ['-q', '-N', '', '-t', 'ed25519', '-f', join(local, 'other')]);
  const other = await readFile(join(local, 'other')); // not authorized: a client offering a stale key
  // One of each first: what loads once (ssh2's pieces, the keys file) is not a leak.
  await ssh2Connection(key);
  expect(await program('scp', ['-O', '-q', ...serve.sshArgs(), join(local, 'small'), '127.0.0.1:warm'])).toBe(0);
  expect((await sftpBatch(serve, [`put ${join(local, 'small')} warm2`])).status).toBe(0);
  await waitFor(() => descriptors().length <= 25, 'serve idle', 10_000);
  const before = descriptors();

  await times(150, 8, () => ssh2Connection(other)); // wrong key
  await times(150, 8, () => rawSocket('SSH-2.0-gone\r\n', 30)); // dropped in key exchange
  await times(150, 8, () => ssh2Connection(key, (c) => c.on('handshake', () => (c as unknown as { _sock: Socket })._sock.destroy()))); // dropped in authentication
  await times(150, 8, () => ssh2Connection(key)); // logged in, no channel
  await times(10, 10, () => rawSocket()); // silent: cut at the login grace time
  await times(40, 4, (i) => program('scp', ['-O', '-q', ...serve.sshArgs(), join(local, 'small'), `127.0.0.1:scp${i}`]));
  await times(40, 4, (i) => sftpBatch(serve, [`put ${join(local, 'small')} sftp${i}`, `get sftp${i} /dev/null`]));
  await times(8, 4, (i) => program('scp', ['-O', '-q', ...serve.sshArgs(), join(local, 'big'), `127.0.0.1:killed${i}`],
    async () => (await readdir(serve.root)).some((n) => n.includes(`killed${i}`))));

  await waitFor(() => descriptors().length <= before.length, 'serve back to its descriptors', 20_000)
    .catch(() => expect(descriptors()).toEqual(before));
  await waitFor(async () => !(await readdir(serve.root)).some((n) => n.includes('killed')), 'the killed uploads removed', 20_000);
  const names = await readdir(serve.root);
  expect(names.filter((n) => !/^(scp|sftp)\d+$|^warm2?$/.test(n))).toEqual([]);
  expect(names).toHaveLength(82);
  expect(serve.log()).not.toMatch(/Warning|MaxListeners/);
  expect(serve.log().match(/Timeout before authentication/g)).toHaveLength(10);
  expect(serve.process.exitCode).toBeNull();
}, 600_000);
