// What the tests of spool() on a stream share: fresh spool directories and
// spools, cleaned up and checked after each test (no file left by name or
// held open), and the inputs and readers the tests build their cases from.
import { randomBytes } from 'node:crypto';
import fs = require('node:fs');
import * as os from 'node:os';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { spool, type Spool, type SpoolOptions } from '../../lib/spool';
import { openFilesIn, openSpoolFilesIn } from './open-files';

/** What streamSpoolFixture() gives a test file. */
export interface StreamSpoolFixture {
  /** A fresh, empty spool directory for this test; checked empty and removed afterwards. */
  freshDir(): string;
  /** spool() whose result is disposed after the test. */
  take(input: Readable | AsyncIterable<Uint8Array>, opts: SpoolOptions): Promise<Spool>;
}

/**
 * Registers the clean-up of the current file (or describe block): spools
 * disposed, mocks restored, each directory checked empty, with no file held
 * open in it, and removed.
 */
export function streamSpoolFixture(): StreamSpoolFixture {
  let dirs: string[] = [];
  let spools: Spool[] = [];

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

  return {
    freshDir() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scpipe-test-'));
      dirs.push(dir);
      return dir;
    },
    async take(input, opts) {
      const result = await spool(input, opts);
      spools.push(result);
      return result;
    },
  };
}

/** Stats of the spool files under `dir` this process holds open (Linux only). */
export function openSpoolFileStats(dir: string): { target: string; stat: fs.Stats }[] {
  return openSpoolFilesIn(dir)
    .map((entry) => {
      const fd = entry.split(' ')[0]!;
      return { target: entry.slice(entry.indexOf('-> ') + 3), stat: fs.statSync(`/proc/self/fd/${fd}`) };
    });
}

/** The names of the spool files in `dir`. */
export function spoolEntries(dir: string): string[] {
  return fs.readdirSync(dir).filter((name) => name.startsWith('scpipe-spool-'));
}

/** The chunks, as an async iterable. */
export async function* chunksOf(...chunks: Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield* chunkList(chunks);
}

/** The list's chunks, as an async iterable. */
export async function* chunkList(chunks: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) yield chunk;
}

/** `total` bytes of one repeating random pattern, in `size`-byte chunks (fresh buffers). */
export async function* pattern(total: number, size: number, seed = randomBytes(size)): AsyncGenerator<Buffer> {
  for (let sent = 0; sent < total; sent += size) {
    yield Buffer.from(seed.subarray(0, Math.min(size, total - sent)));
  }
}

/** The chunks exactly as the stream pushes them ('data' events; for-await would merge buffered ones). */
export function dataChunks(stream: Readable): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => resolve(chunks));
    stream.once('error', reject);
  });
}

/** Everything a stream yields, as one Buffer. */
export async function readStream(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

/** Byte equality without Jest's element-by-element deep equality (far too slow for MiBs). */
export function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.length).toBe(expected.length);
  expect(Buffer.compare(actual, expected)).toBe(0);
}

/** A promise and the function that resolves it. */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Resolves after `ms` (default: the next turn of the timers). */
export const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));
