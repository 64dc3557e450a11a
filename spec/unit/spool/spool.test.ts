// spool() of a stream: its size, where the bytes go (RAM, the spool file),
// and the chunks it is given and replays, at their edges.
import { createHash, randomBytes } from 'node:crypto';
import fs = require('node:fs');
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Spool } from '../../../lib/spool';
import { BODY_CHUNK } from '../../../lib/util/body-chunk';
import { fromBytes } from '../../../lib/util/byte-text';
import { WRITE_BATCH } from '../../../lib/spool/writer';
import * as release from '../../../lib/spool/release';
import { UNNAMED_TARGET } from '../../helpers/open-files';
import { withoutUnnamedFiles } from '../../helpers/no-unnamed-files';
import { streamSpoolFixture, openSpoolFileStats, spoolEntries, chunksOf, chunkList, dataChunks, readStream, expectSameBytes } from '../../helpers/stream-spool';

const KiB = 1024;
const MiB = 1024 * 1024;
const isLinux = process.platform === 'linux';
const { freshDir, take } = streamSpoolFixture();

// ------------------------------------------------------------------ sizes

describe('spool: sizes and where the bytes go', () => {
  it('takes an empty input: size 0, in RAM, replays nothing', async () => {
    const dir = freshDir();
    const s = await take(chunksOf(), { memoryLimit: 1024, spoolDir: dir });
    expect(s.size).toBe(0n);
    expect(s.onDisk).toBe(false);
    expect(s.path).toBeUndefined();
    expect((await readStream(s.replay())).length).toBe(0);
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
    expectSameBytes(await readStream(s.replay()), Buffer.from([0xa5]));
  });

  it('spills 1 byte to disk when memoryLimit is 0', async () => {
    const dir = freshDir();
    const s = await take(chunksOf(Buffer.from('x')), { memoryLimit: 0, spoolDir: dir });
    expect(s.onDisk).toBe(true);
    expect((await readStream(s.replay())).toString()).toBe('x');
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
    expectSameBytes(await readStream(s.replay()), data);
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
    expectSameBytes(await readStream(s.replay()), data);
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
    expectSameBytes(await readStream(s.replay()), data);
  });

  // A --spool-dir named in Latin-1 bytes: the named file went to the
  // directory of its UTF-8 form (U+FFFD), missing, and the spool failed.
  it('where files cannot be unnamed: a spool directory whose name is not UTF-8 takes the named file', async () => {
    const dir = freshDir();
    const raw = Buffer.from(`${dir}/sp\xe9`, 'latin1');
    fs.mkdirSync(raw);
    const unnamed = withoutUnnamedFiles();
    const data = randomBytes(4 * KiB);
    try {
      const s = await take(Readable.from([data]), { memoryLimit: 0, spoolDir: fromBytes(raw) });
      expect(unnamed.refused()).toBe(isLinux ? 1 : 0);
      expect([s.onDisk, s.size]).toEqual([true, BigInt(data.length)]);
      expect(fs.readdirSync(raw)).toEqual([]); // already unlinked
      expectSameBytes(await readStream(s.replay()), data);
      await s.dispose();
    } finally {
      fs.rmdirSync(raw);
    }
  });

  it('spills when one chunk straddles the limit', async () => {
    const dir = freshDir();
    const data = randomBytes(3 * MiB);
    const s = await take(chunksOf(data.subarray(0, 10), data.subarray(10)), { memoryLimit: MiB, spoolDir: dir });
    expect(s.onDisk).toBe(true);
    expectSameBytes(await readStream(s.replay()), data);
  });

  it('accepts plain Uint8Array chunks and Node Readables', async () => {
    const dir = freshDir();
    const bytes = new Uint8Array(300 * KiB).map((_, i) => i % 251);
    const a = await take(chunksOf(bytes.subarray(0, 7), bytes.subarray(7)), { memoryLimit: 100 * KiB, spoolDir: dir });
    expectSameBytes(await readStream(a.replay()), Buffer.from(bytes));
    const b = await take(Readable.from([Buffer.from(bytes)]), { memoryLimit: 100 * KiB, spoolDir: dir });
    expectSameBytes(await readStream(b.replay()), Buffer.from(bytes));
    const file = path.join(freshDir(), 'input');
    fs.writeFileSync(file, bytes);
    const c = await take(fs.createReadStream(file), { memoryLimit: 100 * KiB, spoolDir: dir });
    expect(c.size).toBe(BigInt(bytes.length));
    expectSameBytes(await readStream(c.replay()), Buffer.from(bytes));
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
    const replayed = await readStream(s.replay());
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
    expectSameBytes(await readStream(s.replay()), Buffer.concat(chunks));
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
    expectSameBytes(await readStream(s.replay()), Buffer.concat(chunks));
    await s.dispose();
    expect(freed).not.toHaveBeenCalled();
  });
});
