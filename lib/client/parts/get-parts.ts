// get() of a parts set: after its manifest (fetch-manifest.ts), the parts in order, up to
// `parallel` fetched ahead over channels of one connection. Each part is
// taken into a spool (RAM within the memory limit shared by the parts held,
// then a private file) and checked against the manifest's size and SHA-256
// before a byte of it goes out, so nothing is written past a part that
// failed. The whole stream's SHA-256 is checked at the end where the caller
// reports or compares it (wholeStreamSum): the parts, each checked and in
// the manifest's order, are the manifest's stream without it, and it costs
// a sixth of the client's CPU (docs/performance.md §3). The sums are
// computed on a hashing thread (hash-thread.ts).
import { ScpipeError, abortError, asScpipeError, isScpipeError, withMessage } from '../../errors';
import type { ExitStatus } from '../../protocol/channel';
import { spoolDirectory } from '../../spool/options';
import { ChunkReader } from '../../protocol/chunk-reader';
import type { BlockSource } from '../../spool/chunks';
import { replyPool } from '../../sftp/reply-pool';
import { escapeForTerminal } from '../../util/escape';
import { BodyStream } from '../body-stream';
import type { Download, GetOptions } from '../get-types';
import { isChannelRefused, isConnectionLoss, type Reconnector } from '../reconnect';
import { partsOf, type Manifest, type PartEntry } from './manifest';
import { fetchFile, retrying } from './set-file';
import { HashThread, wholeSum } from './hash-thread';
import { MemoryBudget, PartWriter, type SpooledPart } from './part-writer';
import { DEFAULT_PARALLEL } from './options';
import { fitSpool } from './spool-room';
import { linkedController } from '../../util/abort';
import type { ResumePoint } from './kept-restore';

/**
 * The set's bytes as a body that ends only once every part and the whole
 * stream checked out. `from`: a resumed restore (kept-restore.ts), whose
 * body starts at that part, the bytes before it checked and kept.
 */
export function readParts(conn: Reconnector, dir: string, manifest: Manifest, opts: GetOptions, from?: ResumePoint): { body: BodyStream; done: Promise<ExitStatus> } {
  // The CLI's output takes one chunk at a time: a body read while it holds
  // several joins them into a fresh copy (as sftp-get.ts).
  const body = new BodyStream(opts.reuseChunks ? 1 : undefined);
  const { controller: inner, unlink } = linkedController(opts.signal);
  // RAM shared by the parts held, as a parts upload's (part-writer.ts).
  const held: Held = { budget: new MemoryBudget(opts.memoryLimit ?? 64 * 1024 * 1024), dir: spoolDirectory(opts.spoolDir), sums: new HashThread() };
  // Fewer parts ahead where the spool has no room for them: a slower restore, not ENOSPC part-way.
  const room = { dir: held.dir, partSize: Number(manifest.partSize), memoryLimit: held.budget.limit, size: Number(manifest.size), together: true, parallel: opts.parallel ?? DEFAULT_PARALLEL, sharedBy: opts.spoolSharedBy };
  const parallel = fitSpool(room, opts.onSpoolShort);
  const role = { ...opts, signal: inner.signal };
  const list = partsOf(manifest);
  // The parts fetched ahead, not yet written out: only these are held, whatever the set's length.
  const fetches = new Map<number, Promise<SpooledPart>>();
  // Progress: the bytes written out, and those received, which run a part or
  // more ahead: a log's line moves while the first parts come in, at the link's rate.
  let received = from?.bytes ?? 0n;
  const fetched = new FetchedBytes(from?.bytes ?? 0n, () => report());
  const report = (): void => opts.onProgress?.({ name: manifest.name, phase: 'transfer', bytes: received, total: manifest.size, fetched: fetched.total });
  let started = from?.part ?? 0;
  const startNext = (): void => {
    if (started >= list.count) return;
    const fetching = fetchPart(conn, dir, list.at(started), started, { ...held, fetched }, role, fetches.get(started - 1));
    fetching.catch(() => undefined); // awaited in order below
    fetches.set(started++, fetching);
  };
  const done = (async (): Promise<ExitStatus> => {
    const whole = opts.wholeStreamSum ? wholeSum(held.sums, from?.whole) : undefined;
    const lent = { ...replyPool.counts };
    const blocks = { ...replyPool.blockCounts };
    try {
      for (let i = 0; i < parallel; i++) startNext();
      for (let index = from?.part ?? 0; index < list.count; index++) {
        const part = await fetches.get(index)!;
        fetches.delete(index);
        // The next part comes in while this one goes out: (parallel + 1) held at most.
        startNext();
        try {
          // Chunk by chunk as replayed (a stream's own iterator joins what it
          // buffers, a copy); a spilled part is read back into memory the
          // output gave back once written (reply-pool.ts).
          const chunks = new ChunkReader(part.spool.replay({ signal: inner.signal, readInto: opts.reuseChunks ? readInto : undefined }));
          for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
            const chunk = next.value;
            await whole?.update(chunk);
            received += BigInt(chunk.length);
            report();
            await body.write(chunk);
            if (body.destroyed) throw abortError(inner.signal.aborted ? inner.signal : undefined);
          }
        } finally {
          await part.dispose();
        }
        opts.onPartOut?.(index, list.at(index).name);
      }
      if (opts.reuseChunks) {
        opts.trace?.(`parts: spilled parts read back into memory used again: ${replyPool.counts.reused - lent.reused}, into fresh memory: ${replyPool.counts.fresh - lent.fresh}`);
        opts.trace?.(`parts: blocks of parts held in RAM used again: ${replyPool.blockCounts.reused - blocks.reused}, fresh: ${replyPool.blockCounts.fresh - blocks.fresh}`);
      }
      if (whole && (await whole.digest()) !== manifest.sha256) {
        throw new ScpipeError('ERR_CHECKSUM', `the parts of ${escapeForTerminal(manifest.name)} do not add up to the stream the manifest describes (SHA-256 differs)`);
      }
      body.finish();
      return { code: 0, signal: null };
    } catch (err) {
      inner.abort(err);
      for (const f of fetches.values()) f.then((s) => s.dispose(), () => undefined);
      const e = opts.signal?.aborted ? abortError(opts.signal) : asScpipeError(err); // a callback's throw too
      if (!opts.signal?.aborted) await body.drained(); // the parts that checked out, whole
      body.destroy(e);
      throw e;
    } finally {
      held.sums.close();
      unlink();
    }
  })();
  done.catch(() => undefined); // reported through the body as well
  return { body, done };
}

// One part into a spool, hashed on the way, checked against its entry.
// A channel the server refused (MaxSessions, and no further connection could
// be made) is asked for again once the part before it is in, then with the
// retries' backoff.
function fetchPart(conn: Reconnector, dir: string, entry: PartEntry, index: number, held: Held & { fetched: FetchedBytes }, opts: GetOptions, before?: Promise<unknown>): Promise<SpooledPart> {
  let waited = before === undefined;
  return namingPart(entry, retrying(conn, { ...opts, onRetry: opts.onRetry && ((e) => opts.onRetry!({ ...e, file: entry.name })) }, async (current) => {
    // Parts come several at once: each line of their traces says whose it is.
    const trace = opts.trace && ((line: string) => opts.trace!(`${escapeForTerminal(entry.name)}: ${line}`));
    const open = (): Promise<Download> => fetchFile(conn, current, dir + entry.name, { ...opts, trace });
    try {
      return await fetchPartOnce(open, entry, index, held, opts);
    } catch (err) {
      if (!isChannelRefused(err) || waited) throw err;
      waited = true;
      opts.trace?.(`${err.message}: part ${escapeForTerminal(entry.name)} waits for the part before it`);
      await before!.catch(() => undefined);
      return fetchPartOnce(open, entry, index, held, opts);
    }
  }));
}

// A lost connection that ends the restore names its part, as a missing one
// does: over SCP its words ("in the middle of a file") name no file.
async function namingPart<T>(entry: PartEntry, fetching: Promise<T>): Promise<T> {
  try {
    return await fetching;
  } catch (err) {
    const shown = escapeForTerminal(entry.name);
    if (!isScpipeError(err) || !isConnectionLoss(err) || err.message.includes(shown)) throw err;
    throw withMessage(err, `part ${shown}: ${err.message}`, { path: err.path ?? entry.name, cause: err });
  }
}

// Where the parts fetched ahead are held: RAM within one budget, then files.
interface Held {
  budget: MemoryBudget;
  dir: string;
  sums: HashThread;
}

async function fetchPartOnce(open: () => Promise<Download>, entry: PartEntry, index: number, held: Held & { fetched: FetchedBytes }, opts: GetOptions): Promise<SpooledPart> {
  const shown = escapeForTerminal(entry.name);
  // A retry fetches the part from its start: its bytes received go then, not
  // when an attempt fails (a run that ends there received them all the same).
  held.fetched.drop(index);
  let download;
  try {
    download = await open();
  } catch (err) {
    if (isScpipeError(err) && PART_MISSING.has(err.code)) throw withMessage(err, `part ${shown}: ${err.message}`, { path: err.path ?? entry.name, cause: err });
    throw err;
  }
  // A part read no further (another failed first) is destroyed with the
  // run's error; it reaches us through download.done, not as an event.
  download.body.on('error', () => undefined);
  if (download.size !== entry.size) {
    download.body.destroy();
    throw new ScpipeError('ERR_CHECKSUM', `part ${shown} is ${download.size} bytes, the manifest says ${entry.size}`, { path: entry.name });
  }
  // Taken as ssh2 pushed it (a stream's iterator joins what is buffered, a copy).
  let failure: ScpipeError | undefined;
  const writer = new PartWriter(index, held.budget, held.dir, (err) => (failure ??= err), opts.onSpill, opts.reuseChunks ? partBlocks(held.budget.limit) : undefined);
  const id = held.sums.newId();
  const feed = held.sums.feed([id]);
  let part: SpooledPart | undefined;
  let bytes = 0n;
  try {
    let lost: ScpipeError | undefined;
    try {
      const chunks = new ChunkReader(download.body);
      for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
        if (failure) throw failure;
        if (opts.signal?.aborted) throw abortError(opts.signal);
        await feed.update(next.value);
        await writer.push(next.value);
        held.fetched.set(index, (bytes += BigInt(next.value.length)));
      }
      await download.done;
    } catch (err) {
      lost = statusLostAfter(err, bytes === entry.size && !failure);
    }
    part = await writer.finish(await feed.digest(id));
    if (part.sha256 !== entry.sha256) {
      throw lost ?? new ScpipeError('ERR_CHECKSUM', `part ${shown} does not match its SHA-256 in the manifest`, { path: entry.name });
    }
    if (lost) opts.trace?.(`${shown}: ${lost.message}; its bytes match the manifest's SHA-256: stored`);
    held.fetched.complete(index);
    return part;
  } catch (err) {
    feed.close();
    download.body.destroy();
    if (part) await part.dispose();
    else await writer.discard();
    throw err;
  }
}

// The connection lost after a part came whole, its exit status with it: the
// manifest's SHA-256 proves the bytes (a remote that failed sends an error
// record, not the part), so the part is kept, not fetched again or fatal
// under --retries 0. Any other failure is thrown.
function statusLostAfter(err: unknown, whole: boolean): ScpipeError {
  if (whole && isScpipeError(err, 'ERR_LOST_CONNECTION') && typeof err.exitCode !== 'number') return err;
  throw err;
}

// The bytes of the parts received so far: those fetched whole (or kept by a
// resumed restore), and those coming in, by part (parallel at most).
class FetchedBytes {
  private readonly coming = new Map<number, bigint>();
  constructor(private whole: bigint, private readonly changed: () => void) {}

  get total(): bigint {
    let sum = this.whole;
    for (const bytes of this.coming.values()) sum += bytes;
    return sum;
  }

  set(index: number, bytes: bigint): void {
    this.coming.set(index, bytes);
    this.changed();
  }

  complete(index: number): void {
    this.whole += this.coming.get(index) ?? 0n;
    this.coming.delete(index);
  }

  drop(index: number): void {
    if (this.coming.delete(index)) this.changed();
  }
}

// Memory for a spilled part's reads, each one chunk the output gives back.
const readInto = (length: number): Buffer => replyPool.lend(length, 0);
// Memory for the blocks of a part held in RAM, given back piece by piece as
// written out, and kept for the next part within --memory.
const partBlocks = (room: number): BlockSource => ({ lend: (length) => replyPool.lendBlock(length, room), settle: (block, filled) => replyPool.settle(block, filled) });

// The remote's answers that name a part it cannot give (scp -f's message, or SFTP's status).
const PART_MISSING = new Set(['ERR_REMOTE', 'ERR_NO_SUCH_FILE', 'ERR_PERMISSION_DENIED']);
