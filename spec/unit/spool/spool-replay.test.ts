// spool() of a stream, replayed: offsets past 2^31 and 2^32, several
// replays, and a replay that fails or is abandoned.
import { randomBytes } from 'node:crypto';
import { getEventListeners } from 'node:events';
import fs = require('node:fs');
import { ScpipeError, isScpipeError } from '../../../lib/errors';
import { spool } from '../../../lib/spool';
import { BODY_CHUNK } from '../../../lib/util/body-chunk';
import { SpoolFile } from '../../../lib/spool/spool-file';
import { rejection, waitFor } from '../../helpers/async';
import { openFilesIn } from '../../helpers/open-files';
import { streamSpoolFixture, chunksOf, chunkList, pattern, readStream, expectSameBytes } from '../../helpers/stream-spool';

const KiB = 1024;
const MiB = 1024 * 1024;
const { freshDir, take } = streamSpoolFixture();

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
    expectSameBytes(await readStream(s.replay()), expected);
    expectSameBytes(await readStream(s.replay()), expected);
    const [a, b] = await Promise.all([readStream(s.replay()), readStream(s.replay({ highWaterMark: 1000 }))]);
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
    const failure = readStream(stream);
    stream.once('data', () => controller.abort('SIGTERM'));
    const err = await rejection(failure);
    expect(err.code).toBe('ERR_ABORTED');
    expect(err.message).toBe('interrupted by SIGTERM');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);

    const done = new AbortController();
    await readStream(s.replay({ signal: done.signal }));
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
    const err = await rejection(readStream(s.replay()));
    expect(err.code).toBe('ERR_SPOOL');
    expect(err.message).toContain('cannot read spool file');
    expect(err.message).toContain('I/o error');
  });
});
