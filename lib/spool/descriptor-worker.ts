// The worker thread that does pass 1 for a file descriptor (the CLI's stdin
// when it is a pipe): blocking reads into RAM blocks up to the block limit,
// then blocking read/write pairs through one small buffer, the way `cat`
// does, into the memory file (memory-file.ts) up to the memory limit, and
// beyond it into the spool file, where the memory file's bytes move first.
// Why a thread with blocking calls: the main thread is busy with the SSH
// handshake, and every asynchronous fs call is a round trip through libuv's
// thread pool: this loop runs at about `cat`'s speed, twice the stream's
// (docs/performance.md §3). The buffer is 128 KiB because it then stays in
// the CPU cache between the read and the write; 1 MiB was much slower.
//
// descriptorWorker() runs from its source text (Function.prototype.toString),
// so it must be self-contained: no imports but types, no outer names, only
// require() and the global objects inside it. Its constants mirror those of
// descriptor-contract.ts, which the main thread uses (a unit test checks they
// agree).
import type { DescriptorMessage, DescriptorWorkerData } from './descriptor-contract';
import type { SpillTarget } from './options';

/** The worker's body; see the file comment. */
export function descriptorWorker(): void {
  const { parentPort, workerData } = require('node:worker_threads') as typeof import('node:worker_threads');
  const fs = require('node:fs') as typeof import('node:fs');
  const port = parentPort!;
  const data = workerData as DescriptorWorkerData;
  const control = new Int32Array(data.control);
  const BLOCK = 4 * 1024 * 1024; // WORKER_BLOCK
  const COPY = 128 * 1024; // WORKER_COPY
  const RUNNING = 0; // STATE_RUNNING
  const FILE_READY = 1; // STATE_FILE_READY
  const STOP = 2; // STATE_STOP
  const PROGRESS_MS = 100;

  class Stopped extends Error {}
  class Failed extends Error {
    constructor(
      readonly op: 'read' | 'write',
      readonly reason: unknown,
    ) {
      super(op);
    }
  }

  let taken = 0;
  let lastProgress = performance.now();
  let told = 0; // bytes the last progress message said
  let idle = 0; // ms slept on the last EAGAIN
  let headAt = 0; // bytes of data.head handed out
  // The file being written: which, its descriptor, and the bytes it has.
  let target: SpillTarget = 'disk';
  let out = -1;
  let written = 0;

  const post = (message: DescriptorMessage, transfer?: ArrayBuffer[]): void => port.postMessage(message, transfer);
  const transient = (err: unknown): boolean => {
    const code = (err as { code?: unknown }).code;
    return code === 'EINTR' || code === 'EAGAIN' || code === 'EWOULDBLOCK';
  };
  const full = (err: unknown): boolean => {
    const code = (err as { code?: unknown }).code;
    return code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG';
  };
  const checkStop = (): void => {
    if (Atomics.load(control, 0) === STOP) throw new Stopped();
  };

  // The head first, then a blocking read. A non-blocking descriptor (EAGAIN)
  // is waited for with a backoff from 50 µs to 10 ms, which the main thread
  // can cut short.
  const read = (buffer: Buffer, offset: number, length: number): number => {
    if (headAt < data.head.length) {
      const n = Math.min(length, data.head.length - headAt);
      buffer.set(data.head.subarray(headAt, headAt + n), offset);
      headAt += n;
      return n;
    }
    if (data.ended) return 0;
    for (;;) {
      try {
        const n = fs.readSync(data.fd, buffer, offset, length, null);
        idle = 0;
        return n;
      } catch (err) {
        if (!transient(err)) throw new Failed('read', err);
        // The producer pauses: what came before it is said now, not when it goes on (maybe hours later).
        if (idle === 0 && taken !== told) progress(true);
        idle = idle === 0 ? 0.05 : Math.min(idle * 2, 10);
        Atomics.wait(control, 0, RUNNING, idle);
        checkStop();
      }
    }
  };

  // Asks the main thread for a file and waits for its descriptor.
  const request = (next: SpillTarget): number => {
    post({ type: 'spill', bytes: taken, target: next });
    Atomics.wait(control, 0, RUNNING);
    checkStop();
    const fd = Atomics.load(control, 1);
    // Back to RUNNING for the next wait, unless the main thread has said STOP meanwhile.
    Atomics.compareExchange(control, 0, FILE_READY, RUNNING);
    return fd;
  };

  // Writes buffer[0, length) at `position` of `fd`, continuing short writes.
  const writeAt = (fd: number, buffer: Buffer, length: number, position: number): void => {
    let offset = 0;
    while (offset < length) {
      const n = fs.writeSync(fd, buffer, offset, length - offset, position + offset);
      if (n <= 0) throw Object.assign(new Error('EIO: write made no progress, write'), { code: 'EIO' });
      offset += n;
    }
  };

  // Over the memory limit, or the memory file system is full: the spool goes
  // on in a file on disk, and what the memory file holds moves there first.
  // Emptying the memory file (ftruncate) frees its RAM at once, so RAM holds
  // at most the limit, and only until the spill, as with RAM blocks.
  const spillToDisk = (): void => {
    const disk = request('disk');
    if (target === 'memory') {
      let at = 0; // bytes in the spool file
      try {
        const buffer = Buffer.allocUnsafeSlow(COPY);
        while (at < written) {
          const n = fs.readSync(out, buffer, 0, Math.min(COPY, written - at), at);
          if (n <= 0) throw Object.assign(new Error('EIO: the memory file is shorter than what was written'), { code: 'EIO' });
          writeAt(disk, buffer, n, at);
          at += n;
        }
        fs.ftruncateSync(out, 0);
      } catch (err) {
        written = at; // what the error reports: bytes in the spool file
        throw new Failed('write', err);
      }
    }
    target = 'disk';
    out = disk;
  };

  // Writes all of buffer[0, length): into the memory file up to the memory
  // limit or until it is full, then into the spool file.
  const put = (buffer: Buffer, length: number): void => {
    let offset = 0;
    while (offset < length) {
      if (target === 'memory' && written === data.memoryLimit) spillToDisk();
      const count = target === 'memory' ? Math.min(length - offset, data.memoryLimit - written) : length - offset;
      let n: number;
      try {
        n = fs.writeSync(out, buffer, offset, count, written);
      } catch (err) {
        if (transient(err)) continue;
        if (target === 'memory' && full(err)) {
          spillToDisk();
          continue;
        }
        throw new Failed('write', err);
      }
      if (n <= 0) throw new Failed('write', Object.assign(new Error('EIO: write made no progress, write'), { code: 'EIO' }));
      offset += n;
      written += n;
    }
  };

  const progress = (paused = false): void => {
    const now = performance.now();
    if (!paused && now - lastProgress < PROGRESS_MS) return;
    lastProgress = now;
    told = taken;
    post({ type: 'progress', bytes: taken });
  };

  try {
    // RAM: blocks never hold more than blockLimit + 1 bytes in all; the
    // byte past the limit is what says "spill".
    const blocks: Buffer[] = [];
    let block: Buffer | null = null;
    let used = 0;
    let spill = false;
    for (;;) {
      if (block === null || used === block.length) {
        if (taken > data.blockLimit) {
          spill = true;
          break;
        }
        block = Buffer.allocUnsafeSlow(Math.min(BLOCK, data.blockLimit + 1 - taken));
        blocks.push(block);
        used = 0;
      }
      const n = read(block, used, block.length - used);
      if (n === 0) break;
      used += n;
      taken += n;
      progress();
    }
    if (!spill) {
      const arrays = blocks.map((b) => b.buffer as ArrayBuffer);
      const lengths = blocks.map((b, i) => (i === blocks.length - 1 ? used : b.length));
      post({ type: 'memory', bytes: taken, blocks: arrays, lengths }, arrays);
      return;
    }

    // Files: the main thread creates them (SpoolFile.create) and wakes us.
    target = data.blockLimit < data.memoryLimit ? 'memory' : 'disk';
    out = request(target);
    for (const b of blocks) put(b, b.length);
    for (const b of blocks) structuredClone(b.buffer, { transfer: [b.buffer as ArrayBuffer] }); // free it now
    blocks.length = 0;
    block = null;

    const buffer = Buffer.allocUnsafeSlow(COPY);
    for (;;) {
      const n = read(buffer, 0, COPY);
      if (n === 0) break;
      taken += n;
      put(buffer, n);
      progress();
    }
    post({ type: 'files', bytes: taken, written });
  } catch (err) {
    if (err instanceof Stopped) {
      post({ type: 'stopped' });
      return;
    }
    const op = err instanceof Failed ? err.op : 'read';
    const cause = (err instanceof Failed ? err.reason : err) as { code?: unknown; message?: unknown };
    post({
      type: 'error',
      op,
      code: typeof cause?.code === 'string' ? cause.code : undefined,
      message: String(cause?.message ?? cause),
      bytes: taken,
      written,
    });
  }
}
