// The RAM part of a descriptor spool kept in a memory file (memory-file.ts):
// which directory qualifies, where each byte goes at every boundary (blocks,
// memory file, disk file), and what happens when the memory file's file
// system fills up or refuses the file. The tests mount their own small tmpfs
// (root, as the whole suite).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs = require('node:fs');
import * as os from 'node:os';
import * as path from 'node:path';
import { DescriptorInput, spool, type Spill } from '../../../lib/spool';
import { MEMORY_FILE_AFTER, memoryFileDirectory } from '../../../lib/spool/memory-file';
import { rejection, waitFor } from '../../helpers/async';
import { openSpoolFilesIn } from '../../helpers/open-files';
import { readAll, sha, spoolFixture } from '../../helpers/spool-fixture';

const MiB = 1024 * 1024;
const { freshDir, forget, fileFd, fifo, take } = spoolFixture();

let mounts: string[] = [];

/** A fresh tmpfs of `size` (e.g. '32m'), unmounted and removed after the test. */
function tmpfs(size: string, ...options: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scpipe-test-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', [`size=${size}`, ...options].join(','), 'tmpfs', dir], { stdio: 'pipe' });
  mounts.push(dir);
  return dir;
}

afterEach(async () => {
  for (const dir of mounts) {
    await waitFor(() => openSpoolFilesIn(dir).length === 0, 'the memory file to close').catch(() => undefined);
    execFileSync('umount', [dir], { stdio: 'pipe' });
    fs.rmdirSync(dir);
  }
  mounts = [];
});

/** Sizes of the spool files under `dir` this process holds open. */
function heldSizes(dir: string): number[] {
  return openSpoolFilesIn(dir).flatMap((entry) => {
    const stat = fs.statSync(`/proc/self/fd/${entry.split(' ')[0]}`, { throwIfNoEntry: false });
    return stat ? [stat.size] : []; // closed meanwhile
  });
}

/** heldSizes() once an emptied memory file has been closed (asynchronously, after spool() resolved). */
async function settledSizes(dir: string): Promise<number[]> {
  await waitFor(() => !heldSizes(dir).includes(0), 'the emptied memory file to close');
  return heldSizes(dir);
}

describe('memoryFileDirectory', () => {
  it('is null for a limit the RAM blocks hold, or with memoryDir false', () => {
    const dir = tmpfs('64m');
    expect(memoryFileDirectory({ memoryDir: dir }, MEMORY_FILE_AFTER)).toBeNull();
    expect(memoryFileDirectory({ memoryDir: false }, 16 * MiB)).toBeNull();
  });

  it('takes a directory with room for the whole limit and a tenth of its size to spare', () => {
    const dir = tmpfs('32m');
    expect(memoryFileDirectory({ memoryDir: dir }, 16 * MiB)).toBe(dir);
    expect(memoryFileDirectory({ memoryDir: dir }, 28 * MiB)).toBe(dir);
    expect(memoryFileDirectory({ memoryDir: dir }, 29 * MiB)).toBeNull();
  });

  it('is null for a directory that does not exist', () => {
    expect(memoryFileDirectory({ memoryDir: path.join(freshDir(), 'nope') }, 16 * MiB)).toBeNull();
  });

  it('defaults to /dev/shm on Linux when it is a tmpfs with room, and to nothing for a limit it cannot hold', () => {
    const shmIsTmpfs =
      fs.existsSync('/dev/shm') && execFileSync('stat', ['-f', '-c', '%T', '/dev/shm'], { encoding: 'utf8' }).trim() === 'tmpfs';
    expect(memoryFileDirectory({}, 16 * MiB)).toBe(process.platform === 'linux' && shmIsTmpfs ? '/dev/shm' : null);
    expect(memoryFileDirectory({}, 2 ** 50)).toBeNull();
  });
});

describe('spool(DescriptorInput) with a memory file', () => {
  const limit = 16 * MiB;

  it.each([
    ['fit in the RAM blocks', MEMORY_FILE_AFTER, [], []],
    ['go to the memory file one byte past the blocks', MEMORY_FILE_AFTER + 1, [MEMORY_FILE_AFTER + 1], []],
    ['fill the memory file exactly', limit, [limit], []],
    ['move to disk at one byte past the limit', limit + 1, [], [limit + 1]],
    ['move to disk with the rest', limit + 3 * MiB + 7, [], [limit + 3 * MiB + 7]],
  ])('%s: where %d bytes go, and what onSpill is told', async (_name, size, inMemoryFile, onDisk) => {
    const memoryDir = tmpfs('32m');
    const spoolDir = freshDir();
    const bytes = randomBytes(size);
    const spills: Spill[] = [];
    const s = await take(fileFd(bytes), { memoryLimit: limit, memoryDir, spoolDir, onSpill: (x) => spills.push(x) });
    expect([s.size, s.onDisk]).toEqual([BigInt(size), onDisk.length > 0]);
    // Past the blocks to the memory file, past the limit to disk; `bytes`: what was taken by then.
    const expected = [
      ...(size > MEMORY_FILE_AFTER ? [{ to: 'memory', dir: memoryDir, past: MEMORY_FILE_AFTER }] : []),
      ...(size > limit ? [{ to: 'disk', dir: spoolDir, past: limit }] : []),
    ];
    expect(spills.map(({ to, dir, bytes }) => ({ to, dir, past: bytes > size ? 'too many' : Math.min(bytes - 1, expected.find((e) => e.to === to)!.past) }))).toEqual(expected);
    expect(await settledSizes(memoryDir)).toEqual(inMemoryFile);
    expect(heldSizes(spoolDir)).toEqual(onDisk);
    expect(fs.readdirSync(memoryDir)).toEqual([]); // unlinked at once
    expect(sha(await readAll(s))).toBe(sha(bytes));
    expect(sha(await readAll(s))).toBe(sha(bytes)); // replayable
    await s.dispose();
    expect(heldSizes(memoryDir)).toEqual([]);
    expect(heldSizes(spoolDir)).toEqual([]);
  });

  it('frees the memory file as soon as it spills, not when the input ends', async () => {
    const memoryDir = tmpfs('32m');
    const spoolDir = freshDir();
    const { reader, writer } = fifo();
    const bytes = randomBytes(limit + 2 * MiB);
    const taken = take(reader, { memoryLimit: limit, memoryDir, spoolDir });
    await new Promise((resolve, reject) => fs.write(writer, bytes, (err) => (err ? reject(err) : resolve(undefined))));
    await waitFor(() => heldSizes(spoolDir)[0] === bytes.length, 'the spool file to take every byte');
    expect(heldSizes(memoryDir)).toEqual([0]); // still open, emptied
    expect(fs.statfsSync(memoryDir).bfree).toBe(fs.statfsSync(memoryDir).blocks);
    fs.closeSync(writer);
    forget(writer);
    const s = await taken;
    expect(await settledSizes(memoryDir)).toEqual([]);
    expect(sha(await readAll(s))).toBe(sha(bytes));
  });

  it('moves to the disk spool file when the memory file system fills up, and loses no byte', async () => {
    const memoryDir = tmpfs('32m');
    const spoolDir = freshDir();
    const { reader, writer } = fifo();
    const bytes = randomBytes(24 * MiB);
    const spills: Spill[] = [];
    const taken = take(reader, { memoryLimit: 24 * MiB - 1, memoryDir, spoolDir, onSpill: (x) => spills.push(x) });
    const write = (from: number, to: number): Promise<void> =>
      new Promise((resolve, reject) => {
        const next = (at: number): void => {
          if (at >= to) return resolve();
          fs.write(writer, bytes, at, Math.min(MiB, to - at), null, (err, n) => (err ? reject(err) : next(at + n)));
        };
        next(from);
      });
    await write(0, 10 * MiB);
    await waitFor(() => heldSizes(memoryDir).length === 1, 'the memory file');
    // Someone else takes all but 1 MiB of what is left.
    const free = fs.statfsSync(memoryDir).bavail * fs.statfsSync(memoryDir).bsize;
    const used = heldSizes(memoryDir)[0]!;
    fs.writeFileSync(path.join(memoryDir, 'other'), Buffer.alloc(free - (10 * MiB - used) - MiB));
    await write(10 * MiB, bytes.length);
    fs.closeSync(writer);
    forget(writer);
    const s = await taken;
    expect(s.onDisk).toBe(true);
    expect(spills.map((x) => [x.to, x.dir])).toEqual([['memory', memoryDir], ['disk', spoolDir]]);
    expect(spills[1]!.bytes).toBeLessThan(24 * MiB - 1); // full before the limit
    expect(await settledSizes(memoryDir)).toEqual([]); // emptied and closed
    expect(heldSizes(spoolDir)).toEqual([bytes.length]);
    expect(sha(await readAll(s))).toBe(sha(bytes));
    fs.rmSync(path.join(memoryDir, 'other'));
  });

  it('a spool disk too small for what the memory file held: ERR_SPOOL with the bytes written, nothing left on either', async () => {
    const memoryDir = tmpfs('32m');
    const spoolDir = tmpfs('4m');
    const err = await rejection(
      spool(new DescriptorInput(fileFd(randomBytes(17 * MiB))), { memoryLimit: 16 * MiB, memoryDir, spoolDir }),
    );
    expect(err.code).toBe('ERR_SPOOL');
    expect(err.message).toMatch(new RegExp(`^cannot write spool file in ${spoolDir}: No space left on device \\(wrote 4(\\.0)? MiB\\)$`));
    expect(err.bytes).toBe(BigInt(4 * MiB));
    await waitFor(() => heldSizes(memoryDir).length + heldSizes(spoolDir).length === 0, 'both files to close');
    expect([fs.readdirSync(memoryDir), fs.readdirSync(spoolDir)]).toEqual([[], []]);
  });

  it('uses the disk spool file when the memory file cannot be created', async () => {
    const memoryDir = tmpfs('32m', 'ro');
    const spoolDir = freshDir();
    const bytes = randomBytes(12 * MiB);
    const spills: Spill[] = [];
    const s = await take(fileFd(bytes), { memoryLimit: 16 * MiB, memoryDir, spoolDir, onSpill: (x) => spills.push(x) });
    expect(s.onDisk).toBe(true);
    expect(spills.map(({ to, dir }) => ({ to, dir }))).toEqual([{ to: 'disk', dir: spoolDir }]); // where the memory file would have been
    expect(spills[0]!.bytes).toBeGreaterThan(MEMORY_FILE_AFTER);
    expect(heldSizes(spoolDir)).toEqual([bytes.length]);
    expect(sha(await readAll(s))).toBe(sha(bytes));
  });

  it('closes the memory file when the disk spool file cannot be created, and says why', async () => {
    const memoryDir = tmpfs('32m');
    const missing = path.join(freshDir(), 'nope');
    const err = await rejection(
      spool(new DescriptorInput(fileFd(randomBytes(17 * MiB))), { memoryLimit: 16 * MiB, memoryDir, spoolDir: missing }),
    );
    expect(err.code).toBe('ERR_SPOOL');
    expect(err.message).toBe(`spool directory ${missing} does not exist`);
    await waitFor(() => heldSizes(memoryDir).length === 0, 'the memory file to close');
    expect(fs.readdirSync(memoryDir)).toEqual([]);
  });

  it('closes the memory file on abort', async () => {
    const memoryDir = tmpfs('32m');
    const { reader, writer } = fifo();
    const controller = new AbortController();
    const taken = spool(new DescriptorInput(reader), { memoryLimit: 16 * MiB, memoryDir, spoolDir: freshDir(), signal: controller.signal });
    const chunk = randomBytes(MiB);
    for (let i = 0; i < 10; i++) {
      await new Promise((resolve, reject) => fs.write(writer, chunk, (err) => (err ? reject(err) : resolve(undefined))));
    }
    await waitFor(() => heldSizes(memoryDir).length === 1, 'the memory file');
    controller.abort();
    expect((await rejection(taken)).code).toBe('ERR_ABORTED');
    await waitFor(() => heldSizes(memoryDir).length === 0, 'the memory file to close');
  });
});
