// `scpipe serve` under a connection flood, on loopback only: 300 sockets from
// 127.0.0.2 that send a version line and then nothing, against a server whose
// descriptors are capped at 200 (prlimit), so that without caps the flood
// would take every descriptor. A real `scp -O` from 127.0.0.1 must still
// succeed, during the flood and after it.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServe, type TestServe } from '../helpers/serve';

const FLOOD = 300;
let serve: TestServe;
let local: string;

beforeAll(async () => {
  serve = await startServe(); // the default limits
  execFileSync('prlimit', ['--pid', String(serve.process.pid), '--nofile=200:200']);
});
afterAll(async () => {
  await serve?.stop();
  if (local) await rm(local, { recursive: true, force: true });
});

interface Flooder {
  socket: Socket;
  /** Resolves once the server either closed it or sent its version line (admitted). */
  settled: Promise<'dropped' | 'admitted'>;
}

function flooder(port: number): Flooder {
  const socket = new Socket();
  socket.on('error', () => undefined);
  const settled = new Promise<'dropped' | 'admitted'>((resolve) => {
    let got = '';
    socket.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (got.startsWith('SSH-2.0-')) resolve('admitted');
    });
    socket.once('close', () => resolve('dropped'));
  });
  socket.connect({ port, host: '127.0.0.1', localAddress: '127.0.0.2' }, () => socket.write('SSH-2.0-flood\r\n'));
  return { socket, settled };
}

function scp(...args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('scp', ['-O', '-q', ...serve.sshArgs(), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30000);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stderr });
    });
  });
}

describe('serve under a flood of connections that never log in', () => {
  it('keeps serving scp -O from another address, during the flood and after it', async () => {
    local = await mkdtemp(join(tmpdir(), 'scpipe-test-flood-'));
    const data = randomBytes(64 * 1024);
    await writeFile(join(local, 'up.bin'), data);
    // In waves of 25 connects, as a flood arrives over time: a burst of 300
    // at once would have the kernel's backlog, not the server, decide.
    const flood: Flooder[] = [];
    const outcomes: Array<'dropped' | 'admitted'> = [];
    const during = scp(join(local, 'up.bin'), '127.0.0.1:/during.bin');
    while (flood.length < FLOOD) {
      const wave = Array.from({ length: 25 }, () => flooder(serve.port));
      flood.push(...wave);
      outcomes.push(...(await Promise.all(wave.map((f) => f.settled))));
    }
    expect(await during).toMatchObject({ status: 0 });
    const admitted = outcomes.filter((o) => o === 'admitted').length;
    expect(admitted).toBeLessThanOrEqual(8); // --max-per-address's default
    expect(outcomes.filter((o) => o === 'dropped').length).toBeGreaterThanOrEqual(FLOOD - 8);
    // The admitted ones still hold their slots; a client from elsewhere gets in.
    expect(await scp(join(local, 'up.bin'), '127.0.0.1:/after.bin')).toMatchObject({ status: 0 });
    // Dropped sockets give their descriptors back at once.
    const fds = (await readdir(`/proc/${serve.process.pid}/fd`)).length;
    expect(fds).toBeLessThan(100);
    expect(await readFile(join(serve.root, 'during.bin'))).toEqual(data);
    expect(await readFile(join(serve.root, 'after.bin'))).toEqual(data);
    expect(serve.log()).toMatch(/drop connection from 127\.0\.0\.2 port \d+: 8 unauthenticated connections from this address \(--max-per-address\)/);
    expect(serve.log()).not.toMatch(/EMFILE/);
    for (const f of flood) f.socket.destroy();
  });
});
