// A hostile client against `scpipe serve` over a real connection. On SFTP,
// after INIT, seeded random packets (mutated requests, out-of-order and
// reused ids, made-up handles, huge lengths, truncated packets); on SCP,
// mutated record streams to `scp -t` and random replies to `scp -f`.
// Whatever it sends, serve stays up for the next client, logs only escaped
// text, and holds no file open under its root once the channel is gone.
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, type ClientChannel } from 'ssh2';
import { waitFor } from '../helpers/async';
import { mutate, Rng } from '../helpers/fuzz';
import { openFilesIn } from '../helpers/open-files';
import { servePerSuite, sftpBatch } from '../helpers/serve';
import { PacketWriter, REQ } from '../../lib/server/sftp/wire';
import { encodeDirectory, encodeEnd, encodeFile, encodeTimes } from '../../lib/protocol/records';

const serve = servePerSuite();

function connect(): Promise<Client> {
  return new Promise((resolve, reject) => {
    const c = new Client();
    c.once('ready', () => resolve(c)).once('error', reject);
    c.connect({ host: '127.0.0.1', port: serve.port, username: 'backup', privateKey: readFileSync(serve.keyPath), hostVerifier: () => true });
  });
}

function sftpChannel(c: Client): Promise<ClientChannel> {
  return new Promise((resolve, reject) => c.subsys('sftp', (err, ch) => (err ? reject(err) : resolve(ch))));
}

const packet = (type: number, id: number, body: (w: PacketWriter) => void): Buffer => {
  const w = new PacketWriter().u8(type).u32(id);
  body(w);
  return w.finish();
};

// Requests a client would send, for the mutator to start from.
function requests(rng: Rng): Buffer[] {
  const id = (): number => rng.int(8);
  const handle = (): Buffer => Buffer.from([rng.int(4), 0, 0, 0]);
  const name = (): string => rng.pick(['f', 'd', 'd/g', '../x', '/f', '', 'f\x1b[31m', 'é']);
  return [
    packet(REQ.OPEN, id(), (w) => w.string(name()).u32(rng.pick([1, 2, 0x1a, 0x2a, 0x3f])).u32(4).u32(0o644)),
    packet(REQ.WRITE, id(), (w) => w.string(handle()).u64(BigInt(rng.int(1 << 20))).string(rng.bytes(rng.int(2000)))),
    packet(REQ.READ, id(), (w) => w.string(handle()).u64(BigInt(rng.int(4096))).u32(rng.int(300_000))),
    packet(REQ.CLOSE, id(), (w) => w.string(handle())),
    packet(REQ.OPENDIR, id(), (w) => w.string(name())),
    packet(REQ.READDIR, id(), (w) => w.string(handle())),
    packet(REQ.MKDIR, id(), (w) => w.string(name()).u32(0)),
    packet(REQ.REMOVE, id(), (w) => w.string(name())),
    packet(REQ.RENAME, id(), (w) => w.string(name()).string(name())),
    packet(REQ.SYMLINK, id(), (w) => w.string(name()).string(name())),
    packet(REQ.SETSTAT, id(), (w) => w.string(name()).u32(0x8000000f).u64(5n).u32(0).u32(0).u32(0o600).u32(1).u32(2).u32(1).string('a').string('b')),
    packet(REQ.EXTENDED, id(), (w) => w.string(rng.pick(['fsync@openssh.com', 'limits@openssh.com', 'statvfs@openssh.com', 'x\x07'])).string(handle())),
  ];
}

// One hostile session: INIT, then `count` packets, some broken, then an end chosen by the seed.
async function hostileSession(seed: number, count: number): Promise<void> {
  const rng = new Rng(seed);
  const c = await connect();
  try {
    const ch = await sftpChannel(c);
    ch.on('data', () => undefined);
    const closed = new Promise((r) => ch.once('close', r));
    ch.write(packet(REQ.INIT, 3, () => undefined).subarray(0, 9));
    for (let i = 0; i < count; i++) {
      const reqs = requests(rng);
      const req = rng.pick(reqs);
      // Mostly whole requests; some with their payload changed but framed right, so the session goes on.
      if (rng.chance(0.98)) ch.write(req);
      else ch.write(new PacketWriter().raw(mutate(rng, req.subarray(4))).finish());
    }
    const end = rng.int(3);
    if (end === 0) ch.write(Buffer.from([0xff, 0xff, 0xff, 0xf0, 3])); // a huge length
    else if (end === 1) ch.write(packet(REQ.WRITE, 1, (w) => w.string('h').u64(0n).string(Buffer.alloc(5000))).subarray(0, 100)); // cut short
    ch.end();
    await closed;
  } finally {
    c.end();
  }
}

function exec(c: Client, command: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => c.exec(command, (err, ch) => (err ? reject(err) : resolve(ch))));
}

// An upload as scp sends it, for the mutator to start from.
function scpUpload(rng: Rng): Buffer {
  const name = (): string => rng.pick(['f', 'g h', 'é', 'x\x1b[31m', '.x', 'a b']);
  const body = rng.bytes(rng.int(3000));
  return Buffer.concat([
    encodeTimes({ mtime: 1n, atime: 2n }),
    encodeDirectory(0o755, name()),
    encodeFile(0o644, BigInt(body.length), name()),
    body,
    Buffer.from([0]),
    encodeEnd(),
    encodeFile(0o600, 3n, name()),
    Buffer.from('abc\0'),
  ]);
}

// One hostile SCP session: `scp -t` fed a mutated upload, or `scp -f` fed random replies.
async function hostileScp(seed: number): Promise<void> {
  const rng = new Rng(seed);
  const c = await connect();
  try {
    const sink = rng.chance(0.6);
    const ch = await exec(c, sink ? `scp -r -p -t /up${seed}` : 'scp -r -p -f /src');
    ch.on('data', () => undefined);
    ch.stderr.on('data', () => undefined);
    const closed = new Promise((r) => ch.once('close', r));
    if (sink) ch.write(mutate(rng, scpUpload(rng)));
    else for (let i = 0; i < 20; i++) ch.write(rng.chance(0.5) ? Buffer.from([rng.pick([0, 0, 0, 1, 2])]) : mutate(rng, Buffer.from('\x01scp: x\n\0')));
    ch.end();
    await closed;
  } finally {
    c.end();
  }
}

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];

beforeAll(async () => {
  await mkdir(join(serve.root, 'src', 'd'), { recursive: true });
  await writeFile(join(serve.root, 'src', 'a'), Buffer.alloc(100_000, 1));
  await writeFile(join(serve.root, 'src', 'd', 'b'), 'b');
});

it('stays up, logs escaped text and holds no file open after hostile SFTP and SCP sessions', async () => {
  for (const seed of SEEDS) await hostileSession(seed, 200);
  for (const seed of SEEDS) await hostileScp(seed);
  const pid = serve.process.pid!;
  await waitFor(() => openFilesIn(serve.root, pid).length === 0, `serve holds no file under its root (${openFilesIn(serve.root, pid).join(', ')})`);
  expect(serve.process.exitCode).toBeNull();
  // Every line of the log is printable: the client's names and messages are escaped.
  expect(serve.log()).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
  const next = await sftpBatch(serve, ['put /etc/hostname /after', 'ls /after']);
  expect(next.status).toBe(0);
});
