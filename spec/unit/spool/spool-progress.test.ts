// spool() of a stream: its progress reports and the options it checks.
import fs = require('node:fs');
import { Readable } from 'node:stream';
import { spool } from '../../../lib/spool';
import { rejection } from '../../helpers/async';
import { openFilesIn } from '../../helpers/open-files';
import { streamSpoolFixture, chunksOf, pattern, tick } from '../../helpers/stream-spool';

const MiB = 1024 * 1024;
const isLinux = process.platform === 'linux';
const { freshDir, take } = streamSpoolFixture();

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
