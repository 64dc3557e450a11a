// Pass 1 for a file descriptor: the same spool as spool() on a stream, taken
// by a worker thread with blocking reads and writes (descriptor-worker.ts)
// while the main thread does the SSH handshake. The CLI uses it for stdin
// when stdin is a pipe, a socket or a device. On Linux, the RAM part beyond
// its first 8 MiB goes to a memory file on /dev/shm (memory-file.ts).
import { fstatSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { ScpipeError, abortError, throwIfAborted } from '../errors';
import { Progress } from './control';
import {
  CONTROL_FD,
  CONTROL_STATE,
  STATE_FILE_READY,
  STATE_STOP,
  type DescriptorMessage,
  type DescriptorWorkerData,
} from './descriptor-contract';
import { descriptorWorker } from './descriptor-worker';
import { readHead, type Head } from './descriptor-head';
import { inputError } from './input';
import { MEMORY_FILE_AFTER, memoryFileDirectory } from './memory-file';
import { checkMemoryLimit, spoolDirectory, type SpillTarget, type SpoolOptions } from './options';
import { SpoolFile, spoolWriteError } from './spool-file';
import { FileSpool, MemorySpool, type Spool } from './spools';
import { strerror } from '../fs/strerror';
import { onAbort } from '../util/abort';
import { threadFailure, whyNotStarted } from '../util/limits';

/**
 * An open file descriptor to spool, e.g. `new DescriptorInput(0)` for stdin.
 * spool() reads it until end of file and does not close it; nothing else may
 * read it meanwhile. A pipe or socket should be non-blocking (for stdin:
 * create `process.stdin` and leave it paused): a thread blocked in read()
 * cannot be stopped, and the process cannot exit until the read returns.
 * It is for spooling only: put() refuses it with a known `size`.
 */
export class DescriptorInput {
  constructor(readonly fd: number) {
    if (!Number.isSafeInteger(fd) || fd < 0) {
      throw new ScpipeError('ERR_USAGE', `bad file descriptor: ${String(fd)}`);
    }
    // Checked here, once, for every path that reads it (spool, SFTP pieces, parts), not met as a raw EBADF there.
    try {
      fstatSync(fd);
    } catch (err) {
      throw new ScpipeError('ERR_USAGE', `file descriptor ${fd} is not open: ${strerror(err)}`, { cause: err });
    }
  }
}

// The worker's source, made once.
let workerSource: string | undefined;

/**
 * spool() for a DescriptorInput; same options, result and errors. An input
 * that ends within its first read or two and fits in RAM is taken without a
 * thread (descriptor-head.ts). When it rejects, the worker stops within
 * ~10 ms, or for a blocking descriptor once its pending read returns; the
 * descriptors of the memory file and the spool file are closed when it has
 * stopped (the files themselves are already unlinked).
 */
export async function spoolDescriptor(input: DescriptorInput, opts: SpoolOptions = {}): Promise<Spool> {
  const memoryLimit = checkMemoryLimit(opts.memoryLimit);
  const dir = spoolDirectory(opts.spoolDir);
  throwIfAborted(opts.signal);
  const head = await readHead(input.fd, opts.signal);
  if (head.ended && head.bytes.length <= memoryLimit) {
    new Progress(opts.onProgress, () => undefined).finish(head.bytes.length); // throws what the callback threw
    return new MemorySpool(head.bytes.length > 0 ? [head.bytes] : [], head.bytes.length);
  }
  const memoryDir = memoryFileDirectory(opts, memoryLimit);
  return new Promise<Spool>((resolve, reject) => {
    new DescriptorPass(input.fd, memoryLimit, memoryDir, head, dir, opts, resolve, reject);
  });
}

class DescriptorPass {
  private readonly control = new Int32Array(new SharedArrayBuffer(8));
  private readonly worker: Worker;
  private readonly progress: Progress;
  // The files the worker asked for, in order; closed on failure, the spool's on success.
  private files: { file: SpoolFile; target: SpillTarget }[] = [];
  private settled = false;
  private exited = false;
  private readonly unlinkAbort: () => void;

  constructor(
    fd: number,
    memoryLimit: number,
    private readonly memoryDir: string | null,
    head: Head,
    private readonly dir: string,
    private readonly opts: SpoolOptions,
    private readonly resolve: (spool: Spool) => void,
    private readonly reject: (err: unknown) => void,
  ) {
    this.progress = new Progress(opts.onProgress, (err) => this.fail(err));
    workerSource ??= `(${descriptorWorker.toString()})()`;
    const workerData: DescriptorWorkerData = {
      fd,
      memoryLimit,
      blockLimit: memoryDir === null ? memoryLimit : Math.min(memoryLimit, MEMORY_FILE_AFTER),
      head: head.bytes,
      ended: head.ended,
      control: this.control.buffer as SharedArrayBuffer,
    };
    try {
      this.worker = new Worker(workerSource, {
        eval: true,
        workerData,
        transferList: [head.bytes.buffer as ArrayBuffer],
        name: 'scpipe spool',
        stdin: false,
      });
    } catch (err) {
      throw new ScpipeError('ERR_SPOOL', `cannot start the spool thread: ${whyNotStarted(err)}`, { cause: err });
    }
    this.worker.on('message', (message: DescriptorMessage) => this.onMessage(message));
    this.worker.on('error', (err) => this.fail(new ScpipeError('ERR_SPOOL', threadFailure('the spool thread', err), { cause: err })));
    this.worker.on('exit', () => {
      this.exited = true;
      this.fail(new ScpipeError('ERR_SPOOL', 'the spool thread ended early'));
      this.closeFiles();
    });
    this.unlinkAbort = onAbort(opts.signal, () => this.fail(abortError(opts.signal)));
  }

  private onMessage(message: DescriptorMessage): void {
    if (this.settled) return;
    switch (message.type) {
      case 'progress':
        this.progress.update(message.bytes);
        return;
      case 'spill': {
        this.progress.update(message.bytes);
        // A memory file that cannot be created is no reason to fail: a disk
        // file takes its place (the worker still treats it as the memory file).
        const { bytes } = message;
        const create = (to: SpillTarget): Promise<void> => {
          const dir = to === 'memory' ? this.memoryDir! : this.dir;
          return SpoolFile.create(dir).then(
            (file) => {
              if (!this.settled) this.opts.onSpill?.({ to, dir, bytes });
              this.fileReady(file, to);
            },
            (err: unknown) => (to === 'memory' ? create('disk') : this.fail(err)),
          );
        };
        void create(message.target);
        return;
      }
      case 'memory': {
        const chunks = message.blocks.map((block, i) => Buffer.from(block, 0, message.lengths[i]));
        this.succeed(new MemorySpool(chunks.filter((chunk) => chunk.length > 0), message.bytes), message.bytes);
        return;
      }
      case 'files': {
        // The last file has it all; an earlier memory file was emptied when it spilled.
        const { file, target } = this.files.pop()!;
        this.closeFiles();
        file.bytesWritten = message.written;
        this.succeed(new FileSpool(file, message.bytes, target === 'disk'), message.bytes);
        return;
      }
      case 'error': {
        const cause = Object.assign(new Error(message.message), message.code ? { code: message.code } : {});
        this.fail(
          message.op === 'read'
            ? inputError(cause, message.bytes)
            : spoolWriteError(this.files.at(-1)?.file.dir ?? this.dir, message.written, cause),
        );
        return;
      }
      case 'stopped':
        return;
    }
  }

  private fileReady(file: SpoolFile, target: SpillTarget): void {
    if (this.settled || this.exited) {
      void file.close();
      return;
    }
    this.files.push({ file, target });
    Atomics.store(this.control, CONTROL_FD, file.fd);
    Atomics.store(this.control, CONTROL_STATE, STATE_FILE_READY);
    Atomics.notify(this.control, CONTROL_STATE);
  }

  private succeed(spool: Spool, bytes: number): void {
    this.settle();
    this.progress.finish(bytes);
    this.resolve(spool);
  }

  private fail(err: unknown): void {
    if (this.settled) return;
    this.settle();
    this.progress.stop();
    if (!this.exited) {
      // Wakes a worker that waits for the file or sleeps on EAGAIN; one
      // blocked in read() stops when it returns. The file is closed on 'exit'.
      Atomics.store(this.control, CONTROL_STATE, STATE_STOP);
      Atomics.notify(this.control, CONTROL_STATE);
      void this.worker.terminate();
      this.worker.unref();
    } else {
      this.closeFiles();
    }
    this.reject(err);
  }

  private closeFiles(): void {
    for (const { file } of this.files) void file.close();
    this.files = [];
  }

  private settle(): void {
    this.settled = true;
    this.unlinkAbort();
  }
}
