import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { getEventListeners } from 'node:events';
import fs = require('node:fs');
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ScpipeError, isScpipeError } from '../../../lib/errors';
import { spool, type Spool, type SpoolOptions } from '../../../lib/spool';
import { BODY_CHUNK } from '../../../lib/util/body-chunk';
import { WRITE_BATCH } from '../../../lib/spool/writer';
import { SpoolFile } from '../../../lib/spool/spool-file';
import * as release from '../../../lib/spool/release';
import { rejection, waitFor } from '../../helpers/async';
import { UNNAMED_TARGET, openFilesIn, openSpoolFilesIn } from '../../helpers/open-files';
import { withoutUnnamedFiles } from '../../helpers/no-unnamed-files';

const KiB = 1024;
const MiB = 1024 * 1024;
const isLinux = process.platform === 'linux';

// ---------------------------------------------------------------- helpers

let dirs: string[] = [];
let spools: Spool[] = [];

/** A fresh, empty spool directory for this test; checked empty and removed afterwards. */
function freshDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scpipe-test-'));
  dirs.push(dir);
  return dir;
}

/** spool() whose result is disposed after the test. */
async function take(
  input: Readable | AsyncIterable<Uint8Array>,
  opts: SpoolOptions,
): Promise<Spool> {
  const result = await spool(input, opts);
  spools.push(result);
  return result;
}

afterEach(async () => {
  jest.restoreAllMocks();
  for (const s of spools) await s.dispose();
  spools = [];
  for (const dir of dirs) {
    try {
      expect(fs.readdirSync(dir)).toEqual([]);
      expect(openFilesIn(dir)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  dirs = [];
});

/** Stats of the spool files under `dir` this process holds open (Linux only). */
function openSpoolFileStats(dir: string): { target: string; stat: fs.Stats }[] {
  return openSpoolFilesIn(dir)
    .map((entry) => {
      const fd = entry.split(' ')[0]!;
      return { target: entry.slice(entry.indexOf('-> ') + 3), stat: fs.statSync(`/proc/self/fd/${fd}`) };
    });
}

function spoolEntries(dir: string): string[] {
  return fs.readdirSync(dir).filter((name) => name.startsWith('scpipe-spool-'));
}

async function* chunksOf(...chunks: Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield* chunkList(chunks);
}

async function* chunkList(chunks: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) yield chunk;
}

/** `total` bytes of one repeating random pattern, in `size`-byte chunks (fresh buffers). */
async function* pattern(total: number, size: number, seed = randomBytes(size)): AsyncGenerator<Buffer> {
  for (let sent = 0; sent < total; sent += size) {
    yield Buffer.from(seed.subarray(0, Math.min(size, total - sent)));
  }
}

/** The chunks exactly as the stream pushes them ('data' events; for-await would merge buffered ones). */
function dataChunks(stream: Readable): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => resolve(chunks));
    stream.once('error', reject);
  });
}

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

/** Byte equality without Jest's element-by-element deep equality (far too slow for MiBs). */
function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.length).toBe(expected.length);
  expect(Buffer.compare(actual, expected)).toBe(0);
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------ sizes

describe('spool: sizes and where the bytes go', () => {
  it('takes an empty input: size 0, in RAM, replays nothing', async () => {
    const dir = freshDir();
    const s = await take(chunksOf(), { memoryLimit: 1024, spoolDir: dir });
    expect(s.size).toBe(0n);
    expect(s.onDisk).toBe(false);
    expect(s.path).toBeUndefined();
    expect((await readAll(s.replay())).length).toBe(0);
  });

  it('never creates a file for an empty input, even with memoryLimit 0', async () => {
    const dir = freshDir();
    const s = await take(chunksOf(Buffer.alloc(0), Buffer.alloc(0)), { memoryLimit: 0, spoolDir: dir });
    expect(s.size).toBe(0n);
    expect(s.onDisk).toBe(false);
  });

  it('takes 1 byte', async () => {
    const dir = freshDir();
    const s = await take(chunksOf(Buffer.from([0xa5])), { memoryLimit: 1024, spoolDir: dir });
    expect(s.size).toBe(1n);
    expect(s.onDisk).toBe(false);
    expectSameBytes(await readAll(s.replay()), Buffer.from([0xa5]));
  });

  it('spills 1 byte to disk when memoryLimit is 0', async () => {
    const dir = freshDir();
    const s = await take(chunksOf(Buffer.from('x')), { memoryLimit: 0, spoolDir: dir });
    expect(s.onDisk).toBe(true);
    expect((await readAll(s.replay())).toString()).toBe('x');
  });

  it('tells onSpill once, when the chunk that crosses memoryLimit arrives, and not for a stream within it', async () => {
    const dir = freshDir();
    const spills: unknown[] = [];
    const onSpill = (x: unknown): number => spills.push(x);
    await take(chunksOf(Buffer.alloc(1000), Buffer.alloc(24)), { memoryLimit: 1024, spoolDir: dir, onSpill });
    expect(spills).toEqual([]);
    const s = await take(chunksOf(Buffer.alloc(1000), Buffer.alloc(30), Buffer.alloc(5000)), { memoryLimit: 1024, spoolDir: dir, onSpill });
    expect(s.onDisk).toBe(true);
    expect(spills).toEqual([{ to: 'disk', dir, bytes: 1030 }]);
  });

  it('keeps exactly memoryLimit bytes in RAM', async () => {
    const dir = freshDir();
    const data = randomBytes(64 * KiB);
    const s = await take(chunksOf(data.subarray(0, 1000), data.subarray(1000)), {
      memoryLimit: data.length,
      spoolDir: dir,
    });
    expect(s.size).toBe(BigInt(data.length));
    expect(s.onDisk).toBe(false);
    expectSameBytes(await readAll(s.replay()), data);
  });

  type DirView = { entries: string[]; open: { target: string; stat: fs.Stats }[] };

  /** Spools limit + 1 bytes; `seen` is what the spool directory showed just after the spill. */
  async function spillOneByte(dir: string): Promise<{ s: Spool; data: Buffer; seen: DirView }> {
    const limit = 64 * KiB;
    const data = randomBytes(limit + 1);
    const seen: DirView[] = [];
    async function* input(): AsyncGenerator<Buffer> {
      yield data.subarray(0, limit);
      yield data.subarray(limit); // the byte that spills
      // Pulled again only after the spill has happened.
      seen.push({ entries: spoolEntries(dir), open: openSpoolFileStats(dir) });
    }
    const s = await take(input(), { memoryLimit: limit, spoolDir: dir });
    expect([s.onDisk, s.size, s.path]).toEqual([true, BigInt(limit + 1), undefined]);
    expect(seen).toHaveLength(1);
    return { s, data, seen: seen[0]! };
  }

  it('spills memoryLimit + 1 bytes to a private file that never has a name (Linux O_TMPFILE)', async () => {
    const dir = freshDir();
    const { s, data, seen } = await spillOneByte(dir);
    expect(seen.entries).toEqual([]);
    if (isLinux) {
      expect(seen.open).toHaveLength(1);
      expect(seen.open[0]!.target).toMatch(UNNAMED_TARGET);
      expect(seen.open[0]!.stat.mode & 0o777).toBe(0o600);
    }
    expectSameBytes(await readAll(s.replay()), data);
  });

  it('where files cannot be unnamed: spills to a private named file, unlinked right after opening', async () => {
    const dir = freshDir();
    const unnamed = withoutUnnamedFiles();
    const { s, data, seen } = await spillOneByte(dir);
    expect(unnamed.refused()).toBe(isLinux ? 1 : 0);
    expect(seen.entries).toEqual([]); // already unlinked
    if (isLinux) {
      expect(seen.open).toHaveLength(1);
      expect(seen.open[0]!.target).toMatch(/\/scpipe-spool-[^/]* \(deleted\)$/);
      expect(seen.open[0]!.stat.mode & 0o777).toBe(0o600);
    }
    expectSameBytes(await readAll(s.replay()), data);
  });

  it('spills when one chunk straddles the limit', async () => {
    const dir = freshDir();
    const data = randomBytes(3 * MiB);
    const s = await take(chunksOf(data.subarray(0, 10), data.subarray(10)), { memoryLimit: MiB, spoolDir: dir });
    expect(s.onDisk).toBe(true);
    expectSameBytes(await readAll(s.replay()), data);
  });

  it('accepts plain Uint8Array chunks and Node Readables', async () => {
    const dir = freshDir();
    const bytes = new Uint8Array(300 * KiB).map((_, i) => i % 251);
    const a = await take(chunksOf(bytes.subarray(0, 7), bytes.subarray(7)), { memoryLimit: 100 * KiB, spoolDir: dir });
    expectSameBytes(await readAll(a.replay()), Buffer.from(bytes));
    const b = await take(Readable.from([Buffer.from(bytes)]), { memoryLimit: 100 * KiB, spoolDir: dir });
    expectSameBytes(await readAll(b.replay()), Buffer.from(bytes));
    const file = path.join(freshDir(), 'input');
    fs.writeFileSync(file, bytes);
    const c = await take(fs.createReadStream(file), { memoryLimit: 100 * KiB, spoolDir: dir });
    expect(c.size).toBe(BigInt(bytes.length));
    expectSameBytes(await readAll(c.replay()), Buffer.from(bytes));
    fs.unlinkSync(file);
  });

  it('moves 300 MB through the disk path intact (SHA-256), one 1 MiB batch at a time', async () => {
    const dir = freshDir();
    const total = 300 * 1000 * 1000 + 12345;
    const inputHash = createHash('sha256');
    async function* input(): AsyncGenerator<Buffer> {
      let sent = 0;
      let size = 1;
      while (sent < total) {
        // vary chunk sizes: 1 B .. 256 KiB, so batches and reads straddle chunks
        size = (size * 7 + 4099) % (256 * KiB) || 1;
        const chunk = randomBytes(Math.min(size, total - sent));
        inputHash.update(chunk);
        sent += chunk.length;
        yield chunk;
      }
    }
    const writes: number[] = [];
    const realWritev = fs.writev;
    jest.spyOn(fs, 'writev').mockImplementation(((fd: number, buffers: NodeJS.ArrayBufferView[], ...rest: unknown[]) => {
      writes.push(buffers.reduce((n, b) => n + b.byteLength, 0));
      return (realWritev as (...args: unknown[]) => void)(fd, buffers, ...rest);
    }) as typeof fs.writev);

    const s = await take(input(), { memoryLimit: MiB, spoolDir: dir });
    expect(s.onDisk).toBe(true);
    expect(s.size).toBe(BigInt(total));
    // large batched writes: all but the last are >= WRITE_BATCH
    expect(writes.slice(0, -1).every((n) => n >= WRITE_BATCH)).toBe(true);
    expect(writes.length).toBeLessThan(total / WRITE_BATCH + 2);

    let sizes = 0;
    let biggest = 0;
    const replayHash = createHash('sha256');
    const replay = s.replay();
    replay.on('data', (chunk: Buffer) => {
      replayHash.update(chunk);
      sizes++;
      biggest = Math.max(biggest, chunk.length);
    });
    await new Promise((resolve, reject) => replay.once('end', resolve).once('error', reject));
    expect(replayHash.digest('hex')).toBe(inputHash.digest('hex'));
    expect(biggest).toBe(BODY_CHUNK);
    expect(sizes).toBe(Math.ceil(total / BODY_CHUNK));
  }, 120_000);
});

// --------------------------------------------------------- chunk shapes

describe('spool: chunk boundaries', () => {
  const tiny = (): Buffer[] => {
    const chunks: Buffer[] = [];
    for (let i = 0; i < 200_000; i++) chunks.push(randomBytes(1 + (i % 13)));
    return chunks;
  };

  it.each([
    ['in RAM', 16 * MiB],
    ['on disk', 100 * KiB],
  ])('keeps 200 000 tiny chunks in order (%s)', async (_where, memoryLimit) => {
    const dir = freshDir();
    const chunks = tiny();
    const s = await take(chunkList(chunks), { memoryLimit, spoolDir: dir });
    expect(s.onDisk).toBe(memoryLimit < 16 * MiB);
    const replayed = await readAll(s.replay());
    expectSameBytes(replayed, Buffer.concat(chunks));
  });

  it('packs tiny chunks instead of keeping one object each', async () => {
    const dir = freshDir();
    const s = await take(chunkList(tiny()), { memoryLimit: 16 * MiB, spoolDir: dir });
    const chunks = await dataChunks(s.replay());
    expect(chunks.length).toBeLessThan(50); // ~1.4 MB in 64 KiB blocks, not 200 000 chunks
  });

  it.each([
    ['in RAM', 128 * MiB],
    ['on disk', MiB],
  ])('takes one huge chunk and replays it in blocks of at most 1 MiB, without copying (%s)', async (_where, memoryLimit) => {
    const dir = freshDir();
    const huge = randomBytes(64 * MiB + 17);
    const s = await take(chunksOf(huge), { memoryLimit, spoolDir: dir });
    expect(s.onDisk).toBe(memoryLimit < huge.length);
    const parts = await dataChunks(s.replay());
    expect(parts.slice(0, -1).every((p) => p.length === BODY_CHUNK)).toBe(true); // full blocks, no tiny reads
    expect(parts.at(-1)!.length).toBe(huge.length % BODY_CHUNK);
    expectSameBytes(Buffer.concat(parts), huge);
    if (!s.onDisk) expect(parts[0]!.buffer).toBe(huge.buffer); // a view, not a copy
  });
});

describe('spool: memory of a spilled RAM part', () => {
  it('frees the packed RAM part once it is in the file, and never touches the caller\'s own chunks', async () => {
    const dir = freshDir();
    const freed = jest.spyOn(release, 'releaseMemory');
    const small = (n: number) => Array.from({ length: n }, () => randomBytes(64 * KiB));
    const callers = randomBytes(2 * MiB); // >= 1 MiB: kept by reference, not packed
    const callersCopy = Buffer.from(callers);
    // RAM part: 2 MiB packed, the caller's 2 MiB, 3 MiB packed (5 MiB: two 4 MiB blocks); then 3 MiB more spill.
    const chunks = [...small(32), callers, ...small(48), ...small(48)];
    const s = await take(chunkList(chunks), { memoryLimit: 7 * MiB, spoolDir: dir });
    expect(s.onDisk).toBe(true);
    expect(freed).toHaveBeenCalledTimes(1);
    const blocks = freed.mock.calls[0]![0];
    expect(blocks).toHaveLength(2);
    expect(blocks.every((b) => b.byteLength === 0)).toBe(true); // detached: the memory is gone
    expect(blocks).not.toContain(callers.buffer);
    expect(callers.equals(callersCopy)).toBe(true);
    expectSameBytes(await readAll(s.replay()), Buffer.concat(chunks));
  });

  it('holds no more than a few batches of a long disk spool made of small chunks', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    setFlagsFromString('--no-expose-gc'); // the worker's flags as they were: V8 checks them against code caches
    const dir = freshDir();
    const total = 256 * MiB;
    let peak = 0;
    async function* small(): AsyncGenerator<Buffer> {
      const seed = randomBytes(8 * KiB);
      for (let sent = 0; sent < total; sent += seed.length) {
        yield Buffer.from(seed); // packed by the file writer (< 16 KiB)
        if (sent % (8 * MiB) === 0) {
          gc(); // what is held, not garbage a collection has not reached yet
          peak = Math.max(peak, process.memoryUsage().arrayBuffers);
        }
      }
    }
    const s = await take(small(), { memoryLimit: 0, spoolDir: dir });
    expect(s.size).toBe(BigInt(total));
    expect(peak).toBeLessThan(total / 2); // it held all 256 MiB when every packed block stayed referenced
  });

  it('keeps a RAM spool that never spilled: its replays are views of it', async () => {
    const dir = freshDir();
    const freed = jest.spyOn(release, 'releaseMemory');
    const chunks = Array.from({ length: 16 }, () => randomBytes(64 * KiB));
    const s = await take(chunkList(chunks), { memoryLimit: MiB, spoolDir: dir });
    expect(s.onDisk).toBe(false);
    expectSameBytes(await readAll(s.replay()), Buffer.concat(chunks));
    await s.dispose();
    expect(freed).not.toHaveBeenCalled();
  });
});

// ----------------------------------------------------------------- replay

describe('spool file: offsets past 2^31 and 2^32', () => {
  it.each([2 ** 31, 2 ** 32])('writes and reads back the bytes on both sides of %d', async (edge) => {
    const file = await SpoolFile.create(freshDir());
    try {
      // A sparse file: the hole before the bytes costs no disk.
      (file as unknown as { appendAt: number }).appendAt = edge - 100;
      const bytes = randomBytes(200);
      await file.append([bytes.subarray(0, 50), bytes.subarray(50)]);
      expect(file.bytesWritten).toBe(200);
      const back = Buffer.alloc(200);
      expect(await file.read(back, 200, edge - 100)).toBe(200);
      expectSameBytes(back, bytes);
      expect(await file.read(back, 200, edge)).toBe(100);
      expectSameBytes(back.subarray(0, 100), bytes.subarray(100));
    } finally {
      await file.close();
    }
  });
});

describe('spool: replay', () => {
  it.each([
    ['in RAM', 8 * MiB],
    ['on disk', 64 * KiB],
  ])('replays the same bytes twice, one after the other and at the same time (%s)', async (_where, memoryLimit) => {
    const dir = freshDir();
    const data = randomBytes(5 * MiB + 3);
    const slices: Buffer[] = [];
    for (let at = 0; at < data.length; at += 64 * KiB) slices.push(data.subarray(at, at + 64 * KiB));
    const s = await take(chunkList(slices), { memoryLimit, spoolDir: dir });
    const expected = data;
    expectSameBytes(await readAll(s.replay()), expected);
    expectSameBytes(await readAll(s.replay()), expected);
    const [a, b] = await Promise.all([readAll(s.replay()), readAll(s.replay({ highWaterMark: 1000 }))]);
    expectSameBytes(a, expected);
    expectSameBytes(b, expected);
  });

  it('honours its consumer: a paused replay buffers about one highWaterMark', async () => {
    const dir = freshDir();
    const s = await take(pattern(32 * MiB, 256 * KiB), { memoryLimit: MiB, spoolDir: dir });
    let started = 0;
    let completed = 0;
    const realRead = fs.read;
    const reads = jest.spyOn(fs, 'read').mockImplementation(((...args: unknown[]) => {
      started++;
      const callback = args.pop() as (...result: unknown[]) => void;
      (realRead as (...a: unknown[]) => void)(...args, (...result: unknown[]) => {
        completed++;
        callback(...result);
      });
    }) as unknown as typeof fs.read);
    const stream = s.replay();
    stream.on('readable', () => undefined); // reads ahead, but nobody consumes
    // Until the read-ahead stops: every read done, and none started a turn later.
    await waitFor(async () => {
      if (completed === 0 || completed !== started) return false;
      await new Promise(setImmediate);
      return completed === started;
    }, 'the read-ahead to stop');
    expect(stream.readableLength).toBeLessThanOrEqual(2 * MiB);
    expect(reads.mock.calls.length).toBeLessThanOrEqual(2);
    expect(reads.mock.calls.every((call) => (call as unknown[])[3] === BODY_CHUNK)).toBe(true);
    stream.destroy();
    await new Promise((r) => stream.once('close', r));
  });

  it('throws after dispose(); dispose() is idempotent and available as Symbol.asyncDispose', async () => {
    const dir = freshDir();
    const s = await spool(pattern(200 * KiB, 64 * KiB), { memoryLimit: 0, spoolDir: dir });
    await Promise.all([s.dispose(), s.dispose()]);
    await s.dispose();
    expect(() => s.replay()).toThrow('disposed');
    const asyncDispose = (Symbol as unknown as { asyncDispose?: symbol }).asyncDispose;
    if (asyncDispose) {
      const t = await spool(chunksOf(Buffer.from('abc')), { memoryLimit: 10, spoolDir: dir });
      await (t as unknown as Record<symbol, () => Promise<void>>)[asyncDispose]!();
      expect(() => t.replay()).toThrow(ScpipeError);
    }
  });

  it('dispose() ends replays still reading, and then closes the file', async () => {
    const dir = freshDir();
    const s = await spool(pattern(8 * MiB, 64 * KiB), { memoryLimit: 0, spoolDir: dir });
    const listened = s.replay();
    const errors: unknown[] = [];
    listened.on('error', (err) => errors.push(err));
    let listenedData = false;
    listened.once('data', () => {
      listened.pause();
      listenedData = true;
    });
    const unlistened = s.replay(); // no 'error' listener: must not crash the process
    let unlistenedBytes = 0;
    unlistened.on('data', (chunk: Buffer) => (unlistenedBytes += chunk.length));
    await waitFor(() => listenedData && unlistenedBytes > 0, 'both replays to be reading');
    expect(openFilesIn(dir)).toHaveLength(1);
    await s.dispose();
    expect(listened.destroyed && unlistened.destroyed).toBe(true);
    expect(errors).toHaveLength(1);
    expect(isScpipeError(errors[0], 'ERR_SPOOL')).toBe(true);
    expect(openFilesIn(dir)).toEqual([]);
  });

  it('a replay signal destroys the stream with ERR_ABORTED and leaves no listener', async () => {
    const dir = freshDir();
    const s = await take(pattern(4 * MiB, 64 * KiB), { memoryLimit: 0, spoolDir: dir });
    const controller = new AbortController();
    const stream = s.replay({ signal: controller.signal });
    const failure = readAll(stream);
    stream.once('data', () => controller.abort('SIGTERM'));
    const err = await rejection(failure);
    expect(err.code).toBe('ERR_ABORTED');
    expect(err.message).toBe('interrupted by SIGTERM');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);

    const done = new AbortController();
    await readAll(s.replay({ signal: done.signal }));
    expect(getEventListeners(done.signal, 'abort')).toHaveLength(0);

    expect(() => s.replay({ signal: AbortSignal.abort() })).toThrow('aborted');
  });

  it('propagates read errors as stream errors', async () => {
    const dir = freshDir();
    const s = await take(pattern(3 * MiB, 64 * KiB), { memoryLimit: 0, spoolDir: dir });
    jest.spyOn(fs, 'read').mockImplementation(((...args: unknown[]) => {
      const callback = args[args.length - 1] as (err: Error) => void;
      process.nextTick(callback, Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' }));
    }) as unknown as typeof fs.read);
    const err = await rejection(readAll(s.replay()));
    expect(err.code).toBe('ERR_SPOOL');
    expect(err.message).toContain('cannot read spool file');
    expect(err.message).toContain('I/o error');
  });
});

// ------------------------------------------------------------- progress

describe('spool: progress and options', () => {
  it('reports progress at most every ~100 ms, and the total at the end', async () => {
    const dir = freshDir();
    const calls: { at: number; bytes: bigint }[] = [];
    async function* slow(): AsyncGenerator<Buffer> {
      for (let i = 0; i < 40; i++) {
        await tick(10); // the input's own pace (what the progress is measured on), not a wait
        yield Buffer.alloc(1000);
      }
    }
    const started = Date.now();
    const s = await take(slow(), {
      memoryLimit: 10_000,
      spoolDir: dir,
      onProgress: (bytes) => calls.push({ at: Date.now(), bytes }),
    });
    const elapsed = Date.now() - started;
    expect(calls.at(-1)!.bytes).toBe(s.size);
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(calls.length).toBeLessThanOrEqual(Math.ceil(elapsed / 90) + 1);
    for (let i = 1; i < calls.length - 1; i++) {
      expect(calls[i]!.at - calls[i - 1]!.at).toBeGreaterThanOrEqual(90);
      expect(calls[i]!.bytes).toBeGreaterThanOrEqual(calls[i - 1]!.bytes);
    }
  });

  // The report due after the input pauses comes from a timer: a callback
  // throwing there was an uncaught exception, which ended the caller's process.
  it('fails the pass with ERR_LOCAL_IO when onProgress throws from the report due after a pause', async () => {
    const dir = freshDir();
    async function* pausing(): AsyncGenerator<Buffer> {
      yield Buffer.alloc(1000);
      await tick(300); // the producer stalls: the report falls due meanwhile
      yield Buffer.alloc(1000);
    }
    const thrown = new Error('progress bar gone');
    const err = await rejection(spool(pausing(), { memoryLimit: 10_000, spoolDir: dir, onProgress: () => { throw thrown; } }));
    expect(err.code).toBe('ERR_LOCAL_IO');
    expect(err.cause).toBe(thrown);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it.each([-1, 1.5, NaN, Infinity])('refuses memoryLimit %s with ERR_USAGE', async (memoryLimit) => {
    const err = await rejection(spool(chunksOf(), { memoryLimit }));
    expect(err.code).toBe('ERR_USAGE');
  });

  it('refuses string chunks with ERR_LOCAL_IO', async () => {
    const dir = freshDir();
    const input = Readable.from(['text'], { objectMode: true });
    const err = await rejection(spool(input, { memoryLimit: 10, spoolDir: dir }));
    expect(err.code).toBe('ERR_LOCAL_IO');
    expect(err.message).toContain('expected bytes, got a string');
  });

  it('defaults memoryLimit to 64 MiB and spoolDir to $TMPDIR', async () => {
    const dir = freshDir();
    const saved = process.env['TMPDIR'];
    process.env['TMPDIR'] = dir;
    try {
      const inRam = await take(pattern(64 * MiB, MiB), {});
      expect(inRam.onDisk).toBe(false);
      const seen: string[][] = [];
      async function* input(): AsyncGenerator<Buffer> {
        yield* pattern(64 * MiB + 1, MiB);
        seen.push(openFilesIn(dir));
      }
      const onDisk = await take(input(), {});
      expect(onDisk.onDisk).toBe(true);
      if (isLinux) expect(seen[0]).toHaveLength(1); // the spool file was opened in $TMPDIR
    } finally {
      if (saved === undefined) delete process.env['TMPDIR'];
      else process.env['TMPDIR'] = saved;
    }
  });
});

// ----------------------------------------------------- abort and errors

describe('spool: abort', () => {
  it('rejects at once when the signal is already aborted, without touching the input', async () => {
    const dir = freshDir();
    let pulled = false;
    async function* input(): AsyncGenerator<Buffer> {
      pulled = true;
      yield Buffer.from('x');
    }
    const signal = AbortSignal.abort();
    const err = await rejection(spool(input(), { memoryLimit: 0, spoolDir: dir, signal }));
    expect(err.code).toBe('ERR_ABORTED');
    expect(pulled).toBe(false);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  it.each([
    ['in RAM', 10 * MiB],
    ['on disk', 64 * KiB],
  ])('stops promptly when aborted while the input stalls (%s)', async (_where, memoryLimit) => {
    const dir = freshDir();
    const controller = new AbortController();
    const release = deferred();
    let finished = false;
    let stalled = false;
    async function* input(): AsyncGenerator<Buffer> {
      try {
        yield* pattern(2 * MiB, 64 * KiB);
        stalled = true;
        await release.promise; // stall
        yield Buffer.from('late');
      } finally {
        finished = true;
      }
    }
    const promise = spool(input(), { memoryLimit, spoolDir: dir, signal: controller.signal });
    await waitFor(() => stalled, 'the input to stall');
    if (memoryLimit < 2 * MiB) await waitFor(() => openFilesIn(dir).length === 1, 'the spool file');
    const reason = new ScpipeError('ERR_ABORTED', 'interrupted by SIGINT', { signal: 'SIGINT' });
    controller.abort(reason);
    const err = await rejection(promise);
    expect(err).toBe(reason);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(openFilesIn(dir)).toEqual([]);
    expect(fs.readdirSync(dir)).toEqual([]);
    release.resolve();
    await waitFor(() => finished, 'the input\'s iterator to be returned');
  });

  it('stops reading an input that keeps flowing, and returns its iterator', async () => {
    const dir = freshDir();
    const controller = new AbortController();
    let pulled = 0;
    let finished = false;
    async function* input(): AsyncGenerator<Buffer> {
      try {
        for (;;) {
          pulled++;
          if (pulled === 100) controller.abort();
          yield Buffer.alloc(64 * KiB);
        }
      } finally {
        finished = true;
      }
    }
    const err = await rejection(spool(input(), { memoryLimit: MiB, spoolDir: dir, signal: controller.signal }));
    expect(err.code).toBe('ERR_ABORTED');
    expect(err.message).toBe('aborted');
    expect(pulled).toBeLessThanOrEqual(101);
    expect(finished).toBe(true);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('destroys a Node Readable input once it is aborted (for-await semantics)', async () => {
    const dir = freshDir();
    const controller = new AbortController();
    const input = new PassThrough();
    input.write(randomBytes(200 * KiB));
    const promise = spool(input, { memoryLimit: 64 * KiB, spoolDir: dir, signal: controller.signal });
    await waitFor(() => input.readableLength === 0, 'the spool to take what was written'); // and wait for more
    controller.abort();
    expect((await rejection(promise)).code).toBe('ERR_ABORTED');
    input.write(Buffer.from('more')); // settles the read that was pending
    await waitFor(() => input.destroyed, 'the input to be destroyed');
  });

  it('rejects when aborted while the last batch is being written, and leaves no file', async () => {
    // The input has ended, so only the check after the final write can see the abort.
    const dir = freshDir();
    const controller = new AbortController();
    let ended = false;
    async function* input(): AsyncGenerator<Buffer> {
      yield* pattern(3 * MiB, 64 * KiB);
      ended = true;
    }
    const append = SpoolFile.prototype.append;
    const spy = jest.spyOn(SpoolFile.prototype, 'append').mockImplementation(function (this: SpoolFile, buffers) {
      if (ended) controller.abort(new ScpipeError('ERR_ABORTED', 'interrupted by SIGTERM', { signal: 'SIGTERM' }));
      return append.call(this, buffers);
    });
    try {
      const err = await rejection(spool(input(), { memoryLimit: MiB, spoolDir: dir, signal: controller.signal }));
      expect(err.message).toBe('interrupted by SIGTERM');
      expect(ended).toBe(true);
    } finally {
      spy.mockRestore();
    }
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(openFilesIn(dir)).toEqual([]);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('leaves no listener on the signal after a successful spool', async () => {
    const dir = freshDir();
    const controller = new AbortController();
    await take(pattern(3 * MiB, 64 * KiB), { memoryLimit: MiB, spoolDir: dir, signal: controller.signal });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});

describe('spool: input errors', () => {
  it.each([
    ['in RAM', 10 * MiB],
    ['on disk', 64 * KiB],
  ])('rejects with ERR_LOCAL_IO and cleans up when the input fails (%s)', async (_where, memoryLimit) => {
    const dir = freshDir();
    const boom = Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
    const input = new Readable({ read() {} });
    input.push(randomBytes(MiB));
    const spooling = spool(input, { memoryLimit, spoolDir: dir });
    await waitFor(() => input.readableLength === 0, 'the spool to take the MiB');
    input.destroy(boom);
    const err = await rejection(spooling);
    expect(err.code).toBe('ERR_LOCAL_IO');
    expect(err.message).toBe('error reading input: I/o error');
    expect(err.cause).toBe(boom);
    expect(err.bytes).toBe(BigInt(MiB));
    expect(fs.readdirSync(dir)).toEqual([]);
    expect(openFilesIn(dir)).toEqual([]);
  });

  it('keeps the message of a plain Error from an async iterable', async () => {
    const dir = freshDir();
    async function* input(): AsyncGenerator<Buffer> {
      yield Buffer.alloc(10);
      throw new Error('upstream went away');
    }
    const err = await rejection(spool(input(), { memoryLimit: 0, spoolDir: dir }));
    expect(err.code).toBe('ERR_LOCAL_IO');
    expect(err.message).toBe('error reading input: upstream went away');
  });
});

// ------------------------------------------------------ disk backpressure

describe('spool: backpressure towards the input', () => {
  it('reads the input no faster than the disk accepts it', async () => {
    const dir = freshDir();
    let written = 0;
    let worstLead = 0;
    const realWritev = fs.writev;
    jest.spyOn(fs, 'writev').mockImplementation(((fd: number, buffers: NodeJS.ArrayBufferView[], position: number, callback: (err: Error | null, n: number) => void) => {
      setTimeout(() => {
        realWritev(fd, buffers, position, (err, n) => {
          if (!err) written += n;
          callback(err, n);
        });
      }, 20); // a slow disk
    }) as unknown as typeof fs.writev);
    let pulled = 0;
    async function* input(): AsyncGenerator<Buffer> {
      for (let i = 0; i < 256; i++) {
        worstLead = Math.max(worstLead, pulled - written);
        pulled += 64 * KiB;
        yield Buffer.alloc(64 * KiB, i);
      }
    }
    const s = await take(input(), { memoryLimit: 256 * KiB, spoolDir: dir });
    expect(s.size).toBe(16n * BigInt(MiB));
    // one batch being written + one filling (+ the RAM part first spilled)
    expect(worstLead).toBeLessThanOrEqual(2 * WRITE_BATCH + 256 * KiB + 64 * KiB);
  });
});

// -------------------------------------------------- spool write failures

function mountTmpfs(dir: string, options: string): void {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    const detail = String((err as { stderr?: Buffer }).stderr ?? (err as Error).message).trim();
    throw new Error(
      `this test needs root: mounting a ${options} tmpfs on ${dir} failed (${detail}). ` +
        'Run the unit tests as root, as CI does.',
    );
  }
}

function unmount(dir: string): void {
  execFileSync('umount', [dir], { stdio: 'pipe' });
}

describe('spool: the spool file cannot be written', () => {
  it('reports ENOSPC as ERR_SPOOL naming the directory and bytes written, and leaves the disk empty', async () => {
    const dir = freshDir();
    mountTmpfs(dir, 'size=1m,mode=0700');
    try {
      let pulled = 0;
      let finished = false;
      async function* input(): AsyncGenerator<Buffer> {
        try {
          for (; pulled < 5 * MiB; pulled += 64 * KiB) yield randomBytes(64 * KiB);
        } finally {
          finished = true;
        }
      }
      const err = await rejection(spool(input(), { memoryLimit: 64 * KiB, spoolDir: dir }));
      expect(err.code).toBe('ERR_SPOOL');
      expect(err.message).toMatch(
        new RegExp(`^cannot write spool file in ${dir}: No space left on device \\(wrote [0-9.]+ (KiB|MiB)\\)$`),
      );
      expect(err.path).toBe(dir);
      expect(err.bytes).toBeGreaterThan(0n);
      expect(err.bytes).toBeLessThanOrEqual(BigInt(MiB));
      expect((err.cause as NodeJS.ErrnoException).code).toBe('ENOSPC');
      // the input was not read on to the end
      expect(pulled).toBeLessThan(5 * MiB);
      expect(finished).toBe(true);
      // nothing left: no name, no open descriptor, no space held
      expect(fs.readdirSync(dir)).toEqual([]);
      expect(openFilesIn(dir)).toEqual([]);
      const stats = fs.statfsSync(dir);
      expect(stats.bfree).toBe(stats.blocks);
    } finally {
      unmount(dir);
    }
  });

  it('reports ENOSPC in the RAM part it spills, and frees that part and the disk', async () => {
    const dir = freshDir();
    mountTmpfs(dir, 'size=1m,mode=0700');
    const freed = jest.spyOn(release, 'releaseMemory');
    try {
      const chunks = Array.from({ length: 80 }, () => randomBytes(64 * KiB)); // 5 MiB
      const err = await rejection(spool(chunkList(chunks), { memoryLimit: 3 * MiB, spoolDir: dir }));
      expect(err.code).toBe('ERR_SPOOL');
      expect(err.message).toMatch(new RegExp(`^cannot write spool file in ${dir}: No space left on device \\(wrote 1(\\.0)? MiB\\)$`));
      expect(err.bytes).toBe(BigInt(MiB));
      expect(freed).toHaveBeenCalledTimes(1);
      expect(freed.mock.calls[0]![0].every((b) => b.byteLength === 0)).toBe(true);
      expect(fs.readdirSync(dir)).toEqual([]);
      expect(openFilesIn(dir)).toEqual([]);
      const stats = fs.statfsSync(dir);
      expect(stats.bfree).toBe(stats.blocks);
    } finally {
      unmount(dir);
    }
  });

  it('reports a read-only spool directory as ERR_SPOOL', async () => {
    const dir = freshDir();
    mountTmpfs(dir, 'size=1m,ro');
    try {
      const err = await rejection(spool(pattern(MiB, 64 * KiB), { memoryLimit: 0, spoolDir: dir }));
      expect(err.code).toBe('ERR_SPOOL');
      expect(err.message).toBe(`cannot create spool file in ${dir}: Read-only file system`);
      expect(err.path).toBe(dir);
    } finally {
      unmount(dir);
    }
  });

  it('reports a spool directory that does not exist as ERR_SPOOL naming it', async () => {
    const missing = path.join(freshDir(), 'no', 'such', 'dir');
    let pulled = 0;
    async function* input(): AsyncGenerator<Buffer> {
      for (; pulled < 10 * MiB; pulled += 64 * KiB) yield Buffer.alloc(64 * KiB);
    }
    const err = await rejection(spool(input(), { memoryLimit: 64 * KiB, spoolDir: missing }));
    expect(err.code).toBe('ERR_SPOOL');
    expect(err.message).toBe(`spool directory ${missing} does not exist`);
    expect(err.path).toBe(missing);
    expect(pulled).toBeLessThanOrEqual(128 * KiB);
  });

  it('reports a spool "directory" that is a file as ERR_SPOOL', async () => {
    const file = path.join(freshDir(), 'file');
    fs.writeFileSync(file, '');
    const err = await rejection(spool(pattern(MiB, 64 * KiB), { memoryLimit: 0, spoolDir: file }));
    expect(err.code).toBe('ERR_SPOOL');
    expect(err.message).toBe(`spool directory ${file} is not a directory`);
    fs.unlinkSync(file);
  });

  it('continues short writes, so a failure after a partial write is still reported', async () => {
    const dir = freshDir();
    const realWritev = fs.writev;
    let calls = 0;
    jest.spyOn(fs, 'writev').mockImplementation(((fd: number, buffers: NodeJS.ArrayBufferView[], position: number, callback: (err: Error | null, n: number) => void) => {
      calls++;
      if (calls === 1) {
        // accept only 1000 bytes of the first batch
        realWritev(fd, [Buffer.from(buffers[0]!.buffer, buffers[0]!.byteOffset, 1000)], position, callback);
      } else if (calls === 2) {
        realWritev(fd, buffers, position, callback);
      } else {
        process.nextTick(callback, Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }), 0);
      }
    }) as unknown as typeof fs.writev);
    const err = await rejection(spool(pattern(8 * MiB, 64 * KiB), { memoryLimit: 0, spoolDir: dir }));
    expect(err.code).toBe('ERR_SPOOL');
    expect(err.bytes).toBe(BigInt(WRITE_BATCH));
    expect(err.message).toContain('(wrote 1 MiB)');
  });

  it('writes a short-written batch completely', async () => {
    const dir = freshDir();
    const realWritev = fs.writev;
    jest.spyOn(fs, 'writev').mockImplementation(((fd: number, buffers: NodeJS.ArrayBufferView[], position: number, callback: (err: Error | null, n: number) => void) => {
      // at most 100 000 bytes per call, split mid-buffer
      const out: Buffer[] = [];
      let room = 100_000;
      for (const b of buffers) {
        if (room === 0) break;
        const n = Math.min(room, b.byteLength);
        out.push(Buffer.from(b.buffer, b.byteOffset, n));
        room -= n;
      }
      realWritev(fd, out, position, callback);
    }) as unknown as typeof fs.writev);
    const data = randomBytes(3 * MiB + 5);
    const s = await take(chunksOf(data.subarray(0, 70_000), data.subarray(70_000)), { memoryLimit: 0, spoolDir: dir });
    jest.restoreAllMocks();
    expectSameBytes(await readAll(s.replay()), data);
  });
});

// ------------------------------- where unlink-while-open fails (Windows)

describe('spool: when the open file cannot be unlinked', () => {
  function failSpoolUnlinks(): { stop: () => void } {
    withoutUnnamedFiles(); // (else no file has a name to unlink)
    let failing = true;
    const realUnlink = fs.promises.unlink.bind(fs.promises);
    jest.spyOn(fs.promises, 'unlink').mockImplementation(async (target) => {
      if (failing && String(target).includes('scpipe-spool-')) {
        throw Object.assign(new Error('EPERM: operation not permitted, unlink'), { code: 'EPERM' });
      }
      return realUnlink(target);
    });
    return { stop: () => (failing = false) };
  }

  it('keeps the path (mode 0600), removes it on dispose, and shares one exit listener', async () => {
    const dir = freshDir();
    const before = process.listenerCount('exit');
    const unlinks = failSpoolUnlinks();
    const many: Spool[] = [];
    for (let i = 0; i < 25; i++) {
      many.push(await spool(chunksOf(Buffer.from(`spool ${i}`)), { memoryLimit: 0, spoolDir: dir }));
    }
    expect(process.listenerCount('exit')).toBe(before + 1);
    expect(spoolEntries(dir)).toHaveLength(25);
    for (const s of many) {
      expect(s.path).toBeDefined();
      expect(path.dirname(s.path!)).toBe(fs.realpathSync(dir));
      expect(fs.statSync(s.path!).mode & 0o777).toBe(0o600);
    }
    expect((await readAll(many[7]!.replay())).toString()).toBe('spool 7');
    unlinks.stop();
    for (const s of many) await s.dispose();
    expect(many.every((s) => s.path === undefined)).toBe(true);
    expect(spoolEntries(dir)).toEqual([]);
    expect(process.listenerCount('exit')).toBe(before);
  });

  it('removes the file from the exit hook if the spool was never disposed', async () => {
    const dir = freshDir();
    const before = process.listeners('exit');
    failSpoolUnlinks();
    const s = await spool(chunksOf(Buffer.from('left behind')), { memoryLimit: 0, spoolDir: dir });
    const added = process.listeners('exit').filter((l) => !before.includes(l));
    expect(added).toHaveLength(1);
    expect(fs.existsSync(s.path!)).toBe(true);
    (added[0] as () => void)(); // what process 'exit' would run
    expect(spoolEntries(dir)).toEqual([]);
    expect(openFilesIn(dir)).toEqual([]);
    expect(process.listeners('exit')).toEqual(before);
    expect(s.path).toBeUndefined();
    // dispose() afterwards must not close the fd number again: it may be reused by now
    const other = path.join(freshDir(), 'other');
    const fd = fs.openSync(other, 'w');
    try {
      await s.dispose();
      expect(() => fs.fstatSync(fd)).not.toThrow();
    } finally {
      fs.closeSync(fd);
      fs.unlinkSync(other);
    }
  });

  it('removes a file disposed while it could not be unlinked at exit, without closing its old fd number again', async () => {
    const dir = freshDir();
    const before = process.listeners('exit');
    failSpoolUnlinks();
    const s = await spool(chunksOf(Buffer.from('still named')), { memoryLimit: 0, spoolDir: dir });
    // (tmp-promise, loaded on first use, adds one of its own)
    const added = process.listeners('exit').filter((l) => !before.includes(l) && l.name === 'runAllNow');
    expect(added).toHaveLength(1);
    const named = s.path!;
    await s.dispose(); // closes the descriptor; the unlink fails, so the exit hook stays
    expect(fs.existsSync(named)).toBe(true);
    const other = path.join(freshDir(), 'other');
    const fd = fs.openSync(other, 'w'); // most likely the spool file's old fd number
    try {
      (added[0] as () => void)(); // what process 'exit' would run
      expect(() => fs.fstatSync(fd)).not.toThrow();
      expect(spoolEntries(dir)).toEqual([]);
    } finally {
      fs.closeSync(fd);
      fs.unlinkSync(other);
    }
    expect(process.listeners('exit')).not.toContain(added[0]);
  });
});
