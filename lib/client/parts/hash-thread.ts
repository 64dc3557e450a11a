// SHA-256 sums computed by a worker thread (hash-worker.ts) for a parts run:
// the main thread only copies the bytes into a few reused blocks, each
// handed over to the worker (transferred, not copied) and back once summed.
// Plain memory, not shared: V8 copies into a SharedArrayBuffer with relaxed
// atomics, several times slower (docs/performance.md §3). A HashFeed adds
// the same bytes to one or more sums (a part's and the whole stream's), so
// they are copied once. When every block is with the worker, update()
// waits: the worker is never more than BLOCKS x BLOCK bytes behind.
import type { Hash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { ScpipeError } from '../../errors';
import { threadFailure, whyNotStarted } from '../../util/limits';
import { hashWorker, type HashReply, type HashRequest } from './hash-worker';

const BLOCK = 256 * 1024;
const BLOCKS = 16;

// The worker's source, made once.
let workerSource: string | undefined;

/** One hashing thread; see the file comment. close() ends it. */
export class HashThread {
  /** The blocks by number; a block with the worker is undefined until it comes back. */
  readonly blocks: (Buffer | undefined)[];
  private readonly worker: Worker;
  private readonly free: number[];
  private readonly waiting: { resolve: (block: number) => void; reject: (err: Error) => void }[] = [];
  private readonly digests = new Map<number, { resolve: (hex: string) => void; reject: (err: Error) => void }>();
  private failure: Error | undefined;
  private nextId = 0;

  constructor() {
    this.blocks = Array.from({ length: BLOCKS }, () => Buffer.from(new ArrayBuffer(BLOCK)));
    this.free = this.blocks.map((_, i) => i);
    workerSource ??= `(${hashWorker.toString()})()`;
    try {
      this.worker = new Worker(workerSource, { eval: true, name: 'scpipe sha256', stdin: false });
    } catch (err) {
      throw new ScpipeError('ERR_LOCAL_IO', `cannot start the hashing thread: ${whyNotStarted(err)}`, { cause: err });
    }
    this.worker.unref(); // the run's connection keeps the process alive while a sum is awaited
    this.worker.on('message', (m: HashReply) => this.onMessage(m));
    this.worker.on('error', (err) => this.fail(new ScpipeError('ERR_LOCAL_IO', threadFailure('the hashing thread', err), { cause: err })));
    this.worker.on('exit', () => this.fail(new ScpipeError('ERR_LOCAL_IO', 'the hashing thread ended early')));
  }

  /** A new sum's id. */
  newId(): number {
    return this.nextId++;
  }

  /** A feed of the sums `ids`. */
  feed(ids: number[]): HashFeed {
    return new HashFeed(this, ids);
  }

  /** A free block (waits while all are queued). */
  takeBlock(): number | Promise<number> {
    if (this.failure) throw this.failure;
    const block = this.free.pop();
    if (block !== undefined) return block;
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  /** Gives back a block that was not posted. */
  giveBack(block: number): void {
    const next = this.waiting.shift();
    if (next) next.resolve(block);
    else this.free.push(block);
  }

  /** Hands the first `length` bytes of `block` to the worker for the sums `ids`. */
  post(block: number, length: number, ids: number[]): void {
    const bytes = this.blocks[block]!.buffer as ArrayBuffer;
    this.blocks[block] = undefined;
    this.worker.postMessage({ type: 'data', block, bytes, length, ids: [...ids] } satisfies HashRequest, [bytes]);
  }

  /** Sum `id` of everything posted for it. */
  digest(id: number): Promise<string> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.digests.set(id, { resolve, reject });
      this.send({ type: 'digest', id });
    });
  }

  /** Forgets sum `id` (a part given up). */
  drop(id: number): void {
    if (!this.failure) this.send({ type: 'drop', id });
  }

  /** Ends the thread; sums still awaited fail. */
  close(): void {
    this.fail(new ScpipeError('ERR_LOCAL_IO', 'the hashing thread was closed'));
    void this.worker.terminate();
  }

  private send(request: HashRequest): void {
    this.worker.postMessage(request);
  }

  private onMessage(m: HashReply): void {
    if (m.type === 'free') {
      this.blocks[m.block] = Buffer.from(m.bytes);
      this.giveBack(m.block);
    } else {
      const waiter = this.digests.get(m.id);
      this.digests.delete(m.id);
      waiter?.resolve(m.hex);
    }
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const w of this.waiting.splice(0)) w.reject(this.failure);
    for (const d of this.digests.values()) d.reject(this.failure);
    this.digests.clear();
  }
}

/** Bytes for one or more sums of a HashThread; `ids` may change between digests. */
export class HashFeed {
  private block = -1;
  private used = 0;

  constructor(private readonly thread: HashThread, public ids: number[]) {}

  /** Copies `chunk` into the thread's blocks (the caller may reuse it at once). */
  async update(chunk: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.block < 0) {
        this.block = await this.thread.takeBlock();
        this.used = 0;
      }
      const target = this.thread.blocks[this.block]!;
      const n = Math.min(target.length - this.used, chunk.length - offset);
      target.set(chunk.subarray(offset, offset + n), this.used);
      this.used += n;
      offset += n;
      if (this.used === target.length) this.flush();
    }
  }

  /** Sum `id` of every byte fed while it was in `ids`. */
  digest(id: number): Promise<string> {
    this.flush();
    return this.thread.digest(id);
  }

  /** Gives up: the block held goes back, the sums are forgotten. */
  close(): void {
    if (this.block >= 0) this.thread.giveBack(this.block);
    this.block = -1;
    for (const id of this.ids) this.thread.drop(id);
  }

  private flush(): void {
    if (this.block < 0) return;
    if (this.used > 0) this.thread.post(this.block, this.used, this.ids);
    else this.thread.giveBack(this.block);
    this.block = -1;
  }
}

/**
 * The whole stream's sum: on the hashing thread, or, where a resumed restore
 * has the kept bytes' sum already, on with that one (a thread's starts empty).
 */
export function wholeSum(sums: HashThread, kept?: Hash): { update(chunk: Buffer): Promise<void> | void; digest(): Promise<string> } {
  if (kept) return { update: (chunk) => void kept.update(chunk), digest: async () => kept.digest('hex') };
  const id = sums.newId();
  const feed = sums.feed([id]);
  return { update: (chunk) => feed.update(chunk), digest: () => feed.digest(id) };
}
