// put() with partSize against the real sshd through the rssh-like account:
// the parts, concatenated in glob order, are the input; sha256sum -c passes
// on the manifest in the remote directory.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { get, put, parseManifest, isScpipeError } from '../../lib';
import { closeSync, openSync, statSync, truncateSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { digestTable, manifestOf, manifestPieces, MAX_MANIFEST_BYTES, partsOf } from '../../lib/client/parts/manifest';
import { connectOptions, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite();
const spoolDir = tempDirPerTest('scpipe-parts-spool-', { mustEndEmpty: true });
let dir: string;
beforeEach(async () => {
  dir = await userDir(sshd.rssh, 'parts');
});

const target = () => connectOptions(sshd, sshd.rssh);

// The stream in odd-sized chunks, so that chunk and part boundaries differ.
function chunked(data: Buffer, step = 7919): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += step) chunks.push(data.subarray(i, i + step));
  return Readable.from(chunks);
}

/** The parts in glob order (what `cat NAME.[0-9]*` reads). */
function globbed(name: string): Buffer {
  const files = readdirSync(dir).filter((f) => f.startsWith(`${name}.`) && /^\d+$/.test(f.slice(name.length + 1))).sort();
  return Buffer.concat(files.map((f) => readFileSync(join(dir, f))));
}

const SIZE = 64 * 1024;

describe('put() with partSize', () => {
  it.each([
    [0, 1],
    [1, 1],
    [SIZE - 1, 1],
    [SIZE, 1],
    [SIZE + 1, 2],
    [3 * SIZE, 3],
  ])('a stream of %i bytes makes %i part(s), the manifest last', async (length, count) => {
    const data = randomBytes(length);
    const result = await put(target(), `${dir}/s.bin`, chunked(data), { partSize: SIZE, parallel: 2, spoolDir: spoolDir(), memoryLimit: SIZE });
    const parts = result.parts!;
    expect(parts.parts.map((p) => p.name)).toEqual(Array.from({ length: count }, (_, i) => `s.bin.${String(i).padStart(6, '0')}`));
    expect(globbed('s.bin').equals(data)).toBe(true);
    expect(execFileSync('sha256sum', ['-c', '--strict', 's.bin.sha256'], { cwd: dir, encoding: 'utf8' })).toContain(': OK');
    const manifest = parseManifest(readFileSync(join(dir, 's.bin.sha256'), 'utf8'), 's.bin');
    expect(manifest).toMatchObject({ size: BigInt(length), partSize: BigInt(SIZE), sha256: createHash('sha256').update(data).digest('hex') });
    expect(manifest.parts.map((p) => p.size)).toEqual(parts.parts.map((p) => p.size));
    expect(readdirSync(dir).sort()).toEqual([...parts.parts.map((p) => p.name), 's.bin.sha256'].sort());
    const download = await get(target(), `${dir}/s.bin`, { parallel: 2, spoolDir: spoolDir() });
    expect(download).toMatchObject({ name: 's.bin', size: BigInt(length), manifest: { parts: expect.any(Array) } });
    expect((await collect(download.body)).equals(data)).toBe(true);
    await download.done;
  });
});

describe('put() and get() of a set of hundreds of tiny parts', () => {
  // A long name makes each part's two lines some 300 bytes, so 500 parts
  // (each its own scp session, both ways) give a manifest of more than two
  // 64 KiB pieces, as 1,500 parts of a short name did.
  const name = `t${'-long-name'.repeat(10)}.bin`;

  it('stores 500 parts of 48 bytes and their manifest (written in pieces), and get gives the stream back byte-exact', async () => {
    const data = randomBytes(500 * 48 - 5);
    const result = await put(target(), `${dir}/${name}`, chunked(data, 1000), { partSize: 48, parallel: 4, spoolDir: spoolDir() });
    expect(result.parts!.parts).toHaveLength(500);
    const text = readFileSync(join(dir, `${name}.sha256`));
    expect(text.length).toBeGreaterThan(2 * 64 * 1024);
    expect(parseManifest(text.toString('utf8'), name)).toMatchObject({ size: BigInt(data.length), sha256: createHash('sha256').update(data).digest('hex') });
    expect(execFileSync('sha256sum', ['-c', '--quiet', '--strict', `${name}.sha256`], { cwd: dir, encoding: 'utf8' })).toBe('');
    const download = await get(target(), `${dir}/${name}`, { parallel: 4, spoolDir: spoolDir() });
    expect((await collect(download.body)).equals(data)).toBe(true);
    await download.done;
  }, 180_000);
});

describe('put() with partSize: a set get could not read', () => {
  const PART = 1024;

  it('is stopped at the first part its manifest has no room for, naming the parts stored', async () => {
    const err = await put(target(), `${dir}/p.bin`, chunked(randomBytes(3 * PART + 1), 100), { partSize: PART, parallel: 3, spoolDir: spoolDir(), maxParts: 3 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'ERR_SIZE_MISMATCH' });
    expect((err as Error).message).toMatch(/^the stream is longer than 3 parts of 1024 bytes \(3072 bytes\), the most parts a set may have: give a larger --part-size; the parts set p\.bin is incomplete \(no manifest p\.bin\.sha256\): 3 part\(s\) confirmed remotely: p\.bin\.000000\.\.p\.bin\.000002$/);
    expect(readdirSync(dir).sort()).toEqual(['p.bin.000000', 'p.bin.000001', 'p.bin.000002']);
  });

  it('fills the room exactly: the set has that many parts, and get reads it', async () => {
    const data = randomBytes(3 * PART);
    await put(target(), `${dir}/p.bin`, chunked(data, 100), { partSize: PART, parallel: 1, spoolDir: spoolDir(), maxParts: 3 });
    expect(readdirSync(dir).sort()).toEqual(['p.bin.000000', 'p.bin.000001', 'p.bin.000002', 'p.bin.sha256']);
    expect((await collect((await get(target(), `${dir}/p.bin`, { spoolDir: spoolDir() })).body)).equals(data)).toBe(true);
  });

  // A hostile or mistaken server's file of gigabytes: refused by its size, not read for hours.
  it('get refuses a manifest larger than any put makes, before reading it', async () => {
    const file = join(dir, 'huge.sha256');
    writeFileSync(file, '');
    truncateSync(file, MAX_MANIFEST_BYTES + 1);
    const err = await get(target(), `${dir}/huge`, { spoolDir: spoolDir() }).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_PROTOCOL', message: `huge.sha256 is ${MAX_MANIFEST_BYTES + 1} bytes, more than the manifest of the longest set put makes (${MAX_MANIFEST_BYTES} bytes): it is no manifest of a parts set` });
  });

  it('get reads a manifest of 700,000 parts (68 MB, more than it once refused) as it comes, and fetches the parts it lists', async () => {
    // The first three parts are there; a stream of 700,000 is not needed to show the manifest is read.
    const count = 700_000;
    const data = randomBytes(3 * 4);
    const digests = Buffer.alloc(count * 32);
    for (let i = 0; i < 3; i++) createHash('sha256').update(data.subarray(4 * i, 4 * i + 4)).digest().copy(digests, 32 * i);
    const head = { version: 1, name: 'big', size: BigInt(4 * count), partSize: 4n, sha256: 'e'.repeat(64), time: new Date().toISOString() };
    const manifest = manifestOf(head, digestTable('big', 4n, count, 4n, digests));
    const fd = openSync(join(dir, 'big.sha256'), 'w');
    for (const piece of manifestPieces(manifest, partsOf(manifest))) writeSync(fd, piece);
    closeSync(fd);
    expect(statSync(join(dir, 'big.sha256')).size).toBeGreaterThan(64 * 1024 * 1024);
    for (let i = 0; i < 3; i++) writeFileSync(join(dir, `big.00000${i}`), data.subarray(4 * i, 4 * i + 4));
    const download = await get(target(), `${dir}/big`, { spoolDir: spoolDir(), retries: 0 });
    expect(download.size).toBe(BigInt(4 * count));
    const got: Buffer[] = [];
    const err = await collect(download.body, got).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_NO_SUCH_FILE', message: expect.stringMatching(/^part big\.000003: /) });
    expect(Buffer.concat(got).equals(data)).toBe(true);
    await expect(download.done).rejects.toBe(err);
  });
});

async function collect(body: AsyncIterable<unknown>, into: Buffer[] = []): Promise<Buffer> {
  for await (const chunk of body) into.push(chunk as Buffer);
  return Buffer.concat(into);
}

describe('get() of a parts set', () => {
  const data = randomBytes(5 * SIZE + 99);
  beforeEach(async () => {
    await put(target(), `${dir}/g.bin`, chunked(data), { partSize: SIZE, parallel: 3, spoolDir: spoolDir() });
  });

  // Whatever went out before the failure is exactly the parts before the bad one.
  async function failsAt(bad: number, expected: RegExp, code: string): Promise<void> {
    const download = await get(target(), `${dir}/g.bin`, { parallel: 3, spoolDir: spoolDir(), retries: 0 });
    const got: Buffer[] = [];
    const err = await collect(download.body, got).then(() => undefined, (e: unknown) => e);
    expect(isScpipeError(err) && err.code).toBe(code);
    expect((err as Error).message).toMatch(expected);
    expect(Buffer.concat(got).equals(data.subarray(0, bad * SIZE))).toBe(true);
    await expect(download.done).rejects.toBe(err);
  }

  it('names a removed part and writes nothing from it on', async () => {
    unlinkSync(join(dir, 'g.bin.000003'));
    await failsAt(3, /^part g\.bin\.000003: remote: .*g\.bin\.000003: No such file or directory$/, 'ERR_NO_SUCH_FILE');
  });

  it('names a part changed in place (same size) and writes nothing from it on', async () => {
    const file = join(dir, 'g.bin.000002');
    const bytes = readFileSync(file);
    bytes[100] ^= 1;
    writeFileSync(file, bytes);
    await failsAt(2, /^part g\.bin\.000002 does not match its SHA-256 in the manifest$/, 'ERR_CHECKSUM');
  });

  it('names a short part', async () => {
    const file = join(dir, 'g.bin.000001');
    writeFileSync(file, readFileSync(file).subarray(1));
    await failsAt(1, /^part g\.bin\.000001 is 65535 bytes, the manifest says 65536$/, 'ERR_CHECKSUM');
  });

  it('a plain file of the same name wins', async () => {
    writeFileSync(join(dir, 'g.bin'), 'plain');
    const trace: string[] = [];
    const download = await get(target(), `${dir}/g.bin`, { trace: (l) => trace.push(l) });
    expect((await collect(download.body)).toString()).toBe('plain');
    expect(download.manifest).toBeUndefined();
    expect(trace).toContainEqual(expect.stringMatching(/g\.bin\.sha256 exists too: the plain file .*g\.bin wins$/));
  });

  it('-v of a set with no plain file says it is a set, and not that a plain file wins', async () => {
    const trace: string[] = [];
    const download = await get(target(), `${dir}/g.bin`, { trace: (l) => trace.push(l) });
    expect((await collect(download.body)).equals(data)).toBe(true);
    expect(trace).toContainEqual(expect.stringMatching(/g\.bin is a parts set: 6 part\(s\), \d+ bytes$/));
    expect(trace.filter((l) => l.includes('wins'))).toEqual([]);
  });

  it('neither a file nor a set: the message is about the file', async () => {
    const err = await get(target(), `${dir}/none.bin`).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_NO_SUCH_FILE', message: expect.stringMatching(/none\.bin: No such file or directory$/) });
  });
});
