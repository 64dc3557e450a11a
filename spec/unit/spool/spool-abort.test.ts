// spool() of a stream: an abort, an input that fails, and how fast it takes
// an input whose spool file is slow to write.
import { randomBytes } from 'node:crypto';
import { getEventListeners } from 'node:events';
import fs = require('node:fs');
import { PassThrough, Readable } from 'node:stream';
import { ScpipeError } from '../../../lib/errors';
import { spool } from '../../../lib/spool';
import { WRITE_BATCH } from '../../../lib/spool/writer';
import { SpoolFile } from '../../../lib/spool/spool-file';
import { rejection, waitFor } from '../../helpers/async';
import { openFilesIn } from '../../helpers/open-files';
import { streamSpoolFixture, pattern, deferred } from '../../helpers/stream-spool';

const KiB = 1024;
const MiB = 1024 * 1024;
const { freshDir, take } = streamSpoolFixture();

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
