// spool() of a DescriptorInput: the worker-thread pass over an open fd. The
// blocking-pipe case (the CLI's stdin) is also covered end to end in
// spec/e2e/put.test.ts; here: regular files and devices (blocking reads), a
// non-blocking FIFO (the EAGAIN path), errors, abort and clean-up.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs = require('node:fs');
import * as path from 'node:path';
import { DescriptorInput, spool } from '../../../lib/spool';
import { HEAD_SIZE } from '../../../lib/spool/descriptor-head';
import { WORKER_BLOCK, WORKER_COPY } from '../../../lib/spool/descriptor-contract';
import { descriptorWorker } from '../../../lib/spool/descriptor-worker';
import workerThreads = require('node:worker_threads');
import { rejection, waitFor } from '../../helpers/async';
import { UNNAMED_TARGET, openSpoolFilesIn as openFilesIn } from '../../helpers/open-files';
import { readAll, sha, spoolFixture } from '../../helpers/spool-fixture';

const MiB = 1024 * 1024;
const { freshDir, open, forget, fileFd, fifo, take } = spoolFixture();

describe('spool(DescriptorInput): sizes and where the bytes go', () => {
  it('takes an empty input: size 0, in RAM, no file even with memoryLimit 0', async () => {
    const dir = freshDir();
    const s = await take(fileFd(Buffer.alloc(0)), { memoryLimit: 0, spoolDir: dir });
    expect([s.size, s.onDisk]).toEqual([0n, false]);
    expect((await readAll(s)).length).toBe(0);
  });

  it('keeps exactly memoryLimit bytes in RAM', async () => {
    const bytes = randomBytes(9 * MiB + 5);
    const s = await take(fileFd(bytes), { memoryLimit: bytes.length, spoolDir: freshDir() });
    expect([s.size, s.onDisk]).toEqual([BigInt(bytes.length), false]);
    expect(sha(await readAll(s))).toBe(sha(bytes));
  });

  it('spills memoryLimit + 1 bytes to a private file that never has a name', async () => {
    const dir = freshDir();
    const bytes = randomBytes(5 * MiB + 1);
    const s = await take(fileFd(bytes), { memoryLimit: bytes.length - 1, spoolDir: dir });
    expect([s.size, s.onDisk]).toEqual([BigInt(bytes.length), true]);
    expect(fs.readdirSync(dir).filter((n) => n.startsWith('scpipe-spool-'))).toEqual([]);
    const held = openFilesIn(dir);
    expect(held).toEqual([expect.stringMatching(UNNAMED_TARGET)]);
    expect(fs.fstatSync(Number(held[0]!.split(' ')[0])).mode & 0o777).toBe(0o600);
    expect(sha(await readAll(s))).toBe(sha(bytes));
  });

  it.each([0, 1, WORKER_COPY - 1, WORKER_BLOCK, WORKER_BLOCK + 1])(
    'spills with memoryLimit %d and loses no byte at the switch',
    async (limit) => {
      const bytes = randomBytes(WORKER_BLOCK + WORKER_COPY + 3);
      const s = await take(fileFd(bytes), { memoryLimit: limit, spoolDir: freshDir() });
      expect(s.onDisk).toBe(true);
      expect(sha(await readAll(s))).toBe(sha(bytes));
    },
  );

  it('takes an input that ends within its first reads without starting a thread', async () => {
    const threads = jest.spyOn(workerThreads, 'Worker');
    try {
      const bytes = randomBytes(HEAD_SIZE - 1);
      const s = await take(fileFd(bytes), { spoolDir: freshDir() });
      expect([s.size, s.onDisk]).toEqual([BigInt(bytes.length), false]);
      expect(sha(await readAll(s))).toBe(sha(bytes));
      expect(threads).not.toHaveBeenCalled();
    } finally {
      threads.mockRestore();
    }
  });

  it.each([HEAD_SIZE, HEAD_SIZE + 1, 3 * HEAD_SIZE])('hands the first bytes to the thread, in order (%d bytes)', async (size) => {
    const bytes = randomBytes(size);
    const s = await take(fileFd(bytes), { memoryLimit: HEAD_SIZE + 10, spoolDir: freshDir() });
    expect(s.onDisk).toBe(size > HEAD_SIZE + 10);
    expect(sha(await readAll(s))).toBe(sha(bytes));
  });

  it('spills a short input that has ended but is over the limit', async () => {
    const s = await take(fileFd(Buffer.from('abcd')), { memoryLimit: 3, spoolDir: freshDir() });
    expect([s.size, s.onDisk]).toEqual([4n, true]);
    expect((await readAll(s)).toString()).toBe('abcd');
  });

  it('reads from the current offset and leaves the descriptor open', async () => {
    const bytes = randomBytes(1000);
    const fd = fileFd(bytes);
    fs.readSync(fd, Buffer.alloc(10), 0, 10, null);
    const s = await take(fd, { spoolDir: freshDir() });
    expect(sha(await readAll(s))).toBe(sha(bytes.subarray(10)));
    expect(fs.fstatSync(fd).isFile()).toBe(true); // still open
  });

  it('reads a device until it ends (here /dev/null)', async () => {
    const s = await take(open('/dev/null', 'r'), { spoolDir: freshDir() });
    expect(s.size).toBe(0n);
  });

  it('reports progress, and the exact total at the end', async () => {
    const bytes = randomBytes(3 * MiB);
    const seen: bigint[] = [];
    await take(fileFd(bytes), { memoryLimit: 0, spoolDir: freshDir(), onProgress: (b) => seen.push(b) });
    expect(seen[seen.length - 1]).toBe(BigInt(bytes.length));
  });
});

describe('spool(DescriptorInput): a non-blocking pipe', () => {
  it('waits out EAGAIN and takes a slow writer\'s bytes in order, past the limit', async () => {
    const { reader, writer } = fifo();
    const dir = freshDir();
    const bytes = randomBytes(200 * 1024);
    const taken = take(reader, { memoryLimit: 64 * 1024, spoolDir: dir });
    for (let at = 0; at < bytes.length; at += 10 * 1024) {
      // Asynchronously: a blocking write into a full pipe would stall the
      // event loop that must create the spool file the thread waits for.
      await new Promise((resolve, reject) =>
        fs.write(writer, bytes, at, Math.min(10 * 1024, bytes.length - at), null, (err) => (err ? reject(err) : resolve(undefined))),
      );
      await new Promise((r) => setTimeout(r, 3));
    }
    fs.closeSync(writer);
    forget(writer);
    const s = await taken;
    expect(s.onDisk).toBe(true);
    expect(sha(await readAll(s))).toBe(sha(bytes));
  });

  // The bytes before a pause were said only when the producer went on: a
  // stall of minutes showed the count from before the pause, or none.
  it('says the bytes taken so far as soon as the pipe goes idle', async () => {
    const { reader, writer } = fifo();
    const bytes = randomBytes(HEAD_SIZE + 40 * 1024);
    const seen: bigint[] = [];
    const taken = take(reader, { memoryLimit: 0, spoolDir: freshDir(), onProgress: (b) => seen.push(b) });
    await new Promise((resolve, reject) => fs.write(writer, bytes, (err) => (err ? reject(err) : resolve(undefined))));
    await waitFor(() => seen[seen.length - 1] === BigInt(bytes.length), `all the bytes said while the writer pauses (said: ${seen.join(',')})`, 2000);
    fs.closeSync(writer);
    forget(writer);
    expect((await taken).size).toBe(BigInt(bytes.length));
  });

  it('aborts at once while the pipe is idle, and closes the spool file when the thread stops', async () => {
    const { reader, writer } = fifo();
    const dir = freshDir();
    const controller = new AbortController();
    const taken = spool(new DescriptorInput(reader), { memoryLimit: 1000, spoolDir: dir, signal: controller.signal });
    fs.writeSync(writer, randomBytes(5000)); // spills
    await waitFor(() => openFilesIn(dir).length === 1, 'the spool file');
    const started = Date.now();
    controller.abort();
    const err = await rejection(taken);
    expect(err.code).toBe('ERR_ABORTED');
    expect(Date.now() - started).toBeLessThan(5000); // idle pipe: without the abort it would wait forever
    await waitFor(() => openFilesIn(dir).length === 0, 'the spool file to close');
  });
});

describe('spool(DescriptorInput): errors', () => {
  it('says so when the spool thread dies mid-spool, and closes the spool file', async () => {
    const { reader, writer } = fifo();
    const dir = freshDir();
    const workers: workerThreads.Worker[] = [];
    const Real = workerThreads.Worker;
    jest.spyOn(workerThreads, 'Worker').mockImplementation((...args: ConstructorParameters<typeof Real>) => {
      const worker = new Real(...args);
      workers.push(worker);
      return worker;
    });
    try {
      const taken = spool(new DescriptorInput(reader), { memoryLimit: 1000, spoolDir: dir });
      fs.writeSync(writer, randomBytes(5000)); // spills
      await waitFor(() => openFilesIn(dir).length === 1, 'the spool file');
      expect(workers).toHaveLength(1);
      await workers[0]!.terminate();
      const err = await rejection(taken);
      expect(err.code).toBe('ERR_SPOOL');
      expect(err.message).toBe('the spool thread ended early');
      await waitFor(() => openFilesIn(dir).length === 0, 'the spool file to close');
    } finally {
      jest.restoreAllMocks();
    }
  });

  it('rejects at once when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const err = await rejection(spool(new DescriptorInput(0), { signal: controller.signal }));
    expect(err.code).toBe('ERR_ABORTED');
  });

  it('refuses a descriptor that is not a whole number', () => {
    expect(() => new DescriptorInput(-1)).toThrow(expect.objectContaining({ code: 'ERR_USAGE' }));
    expect(() => new DescriptorInput(1.5)).toThrow(/bad file descriptor: 1.5/);
    // A descriptor not open: said at once for every kind of put (spool, SFTP, parts), not a raw EBADF later.
    const closed = fs.openSync('/dev/null', 'r');
    fs.closeSync(closed);
    expect(() => new DescriptorInput(closed)).toThrow(expect.objectContaining({ code: 'ERR_USAGE', message: `file descriptor ${closed} is not open: Bad file descriptor` }));
  });

  it('reports an input that cannot be read as ERR_LOCAL_IO', async () => {
    const err = await rejection(spool(new DescriptorInput(open(freshDir(), 'r')), {}));
    expect(err.code).toBe('ERR_LOCAL_IO');
    expect(err.message).toBe('error reading input: Illegal operation on a directory');
    expect(err.bytes).toBe(0n);
  });

  it('reports a missing spool directory as ERR_SPOOL, only once it must spill', async () => {
    const missing = path.join(freshDir(), 'nope');
    const small = await take(fileFd(Buffer.from('abc')), { memoryLimit: 3, spoolDir: missing });
    expect(small.onDisk).toBe(false);
    const err = await rejection(spool(new DescriptorInput(fileFd(Buffer.from('abcd'))), { memoryLimit: 3, spoolDir: missing }));
    expect(err.code).toBe('ERR_SPOOL');
    expect(err.message).toBe(`spool directory ${missing} does not exist`);
  });

  it('reports ENOSPC as ERR_SPOOL with the bytes written, and leaves the disk empty', async () => {
    const mnt = freshDir();
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt], { stdio: 'pipe' }); // root, as the suite
    try {
      const err = await rejection(spool(new DescriptorInput(fileFd(randomBytes(3 * MiB))), { memoryLimit: 0, spoolDir: mnt }));
      expect(err.code).toBe('ERR_SPOOL');
      expect(err.message).toMatch(new RegExp(`^cannot write spool file in ${mnt}: No space left on device \\(wrote 1(\\.0)? MiB\\)$`));
      expect(err.bytes).toBe(BigInt(MiB));
      await waitFor(() => openFilesIn(mnt).length === 0, 'the spool file to close');
      expect(fs.readdirSync(mnt)).toEqual([]);
    } finally {
      await waitFor(() => openFilesIn(mnt).length === 0, 'the spool file to close').catch(() => undefined);
      execFileSync('umount', [mnt], { stdio: 'pipe' });
    }
  });
});

describe('descriptorWorker', () => {
  it('uses the block and buffer sizes the module exports (it cannot import them)', () => {
    const source = descriptorWorker.toString();
    const constant = (name: string): number => {
      const match = new RegExp(`= ([0-9* ]+); // ${name}`).exec(source);
      if (!match) throw new Error(`no ${name} in the worker's source`);
      return match[1]!.split('*').reduce((product, n) => product * Number(n.trim()), 1);
    };
    expect(constant('WORKER_BLOCK')).toBe(WORKER_BLOCK);
    expect(constant('WORKER_COPY')).toBe(WORKER_COPY);
  });
});
