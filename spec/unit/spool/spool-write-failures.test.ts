// spool() of a stream when its spool file cannot be written (a full or
// read-only file system), or cannot be unlinked while open (as on Windows).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs = require('node:fs');
import * as path from 'node:path';
import { spool, type Spool } from '../../../lib/spool';
import { WRITE_BATCH } from '../../../lib/spool/writer';
import * as release from '../../../lib/spool/release';
import { rejection } from '../../helpers/async';
import { openFilesIn } from '../../helpers/open-files';
import { withoutUnnamedFiles } from '../../helpers/no-unnamed-files';
import { streamSpoolFixture, spoolEntries, chunksOf, chunkList, pattern, readStream, expectSameBytes } from '../../helpers/stream-spool';

const KiB = 1024;
const MiB = 1024 * 1024;
const { freshDir, take } = streamSpoolFixture();

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
      expectNothingLeft(dir);
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
      expectNothingLeft(dir);
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
    expectSameBytes(await readStream(s.replay()), data);
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

  // The exit listeners of exit-cleanup.ts: tmp-promise, loaded on first use, adds one of its own.
  const exitHooks = (): NodeJS.ExitListener[] => process.listeners('exit').filter((l) => l.name === 'runAllNow');

  it('keeps the path (mode 0600), removes it on dispose, and shares one exit listener', async () => {
    const dir = freshDir();
    const before = exitHooks().length;
    const unlinks = failSpoolUnlinks();
    const many: Spool[] = [];
    for (let i = 0; i < 25; i++) {
      many.push(await spool(chunksOf(Buffer.from(`spool ${i}`)), { memoryLimit: 0, spoolDir: dir }));
    }
    expect(exitHooks()).toHaveLength(before + 1);
    expect(spoolEntries(dir)).toHaveLength(25);
    for (const s of many) {
      expect(s.path).toBeDefined();
      expect(path.dirname(s.path!)).toBe(fs.realpathSync(dir));
      expect(fs.statSync(s.path!).mode & 0o777).toBe(0o600);
    }
    expect((await readStream(many[7]!.replay())).toString()).toBe('spool 7');
    unlinks.stop();
    for (const s of many) await s.dispose();
    expect(many.every((s) => s.path === undefined)).toBe(true);
    expect(spoolEntries(dir)).toEqual([]);
    expect(exitHooks()).toHaveLength(before);
  });

  it('removes the file from the exit hook if the spool was never disposed', async () => {
    const dir = freshDir();
    const before = exitHooks();
    failSpoolUnlinks();
    const s = await spool(chunksOf(Buffer.from('left behind')), { memoryLimit: 0, spoolDir: dir });
    const added = exitHooks().filter((l) => !before.includes(l));
    expect(added).toHaveLength(1);
    expect(fs.existsSync(s.path!)).toBe(true);
    (added[0] as () => void)(); // what process 'exit' would run
    expect(spoolEntries(dir)).toEqual([]);
    expect(openFilesIn(dir)).toEqual([]);
    expect(exitHooks()).toEqual(before);
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
    const before = exitHooks();
    failSpoolUnlinks();
    const s = await spool(chunksOf(Buffer.from('still named')), { memoryLimit: 0, spoolDir: dir });
    const added = exitHooks().filter((l) => !before.includes(l));
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

// No name, no open descriptor, no space held in the spool directory `dir` (a tmpfs of its own).
function expectNothingLeft(dir: string): void {
  expect(fs.readdirSync(dir)).toEqual([]);
  expect(openFilesIn(dir)).toEqual([]);
  const stats = fs.statfsSync(dir);
  expect(stats.bfree).toBe(stats.blocks);
}
