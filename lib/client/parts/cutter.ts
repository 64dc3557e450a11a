// Cuts a stream into parts of exactly `partSize` bytes (the last shorter; an
// empty stream is one empty part), spooling each (part-writer.ts) and
// summing each part and the whole stream in the same pass, on a hashing
// thread (hash-thread.ts): the bytes are copied to it once for both sums. Before each part it waits for
// room (`beforePart`), so no more parts are held than the uploads allow.
import { Readable } from 'node:stream';
import { ChunkReader } from '../../protocol/chunk-reader';
import { Interrupt } from '../../util/interrupt';
import { Progress } from '../../spool/control';
import { closeInput, openInput, pull, toBuffer } from '../../spool/input';
import { HashThread } from './hash-thread';
import { PartWriter, type MemoryBudget, type SpooledPart } from './part-writer';
import type { PartSpill } from './options';

/** How to cut. */
export interface CutOptions {
  partSize: number;
  budget: MemoryBudget;
  spoolDir: string;
  signal: AbortSignal;
  /** Resolves when another part may be held. */
  beforePart: () => Promise<void>;
  /** Takes each finished part (in order). */
  onPart: (part: SpooledPart) => void;
  onSpill?: (spill: PartSpill) => void;
  /** Bytes taken so far (throttled). */
  onProgress?: (bytes: bigint) => void;
  /** The input's chunks are lent: each piece is given back here once its part is done with it (part-writer.ts). */
  giveBack?: (chunk: Buffer) => void;
  /** Told before each read how many bytes finish the part being cut (lent-input.ts). */
  want?: (bytes: number) => void;
}

/** What the whole stream was. */
export interface CutResult {
  size: bigint;
  sha256: string;
  parts: number;
}

/** Reads `input` to its end, handing over parts; see the file comment. */
export async function cutParts(input: Readable | AsyncIterable<Uint8Array>, opts: CutOptions): Promise<CutResult> {
  // A Readable chunk by chunk: its own iterator joins what is buffered, a copy.
  const iterator: AsyncIterator<unknown> = input instanceof Readable ? new ChunkReader(input) : openInput(input);
  const interrupt = new Interrupt(opts.signal);
  const progress = new Progress(opts.onProgress, (err) => interrupt.fail(err));
  const sums = new HashThread();
  const whole = sums.newId();
  const feed = sums.feed([whole]);
  let taken = 0;
  let parts = 0;
  let current: PartWriter | null = null;
  const open = async (): Promise<PartWriter> => {
    await interrupt.race(opts.beforePart());
    feed.ids = [whole, sums.newId()];
    return new PartWriter(parts, opts.budget, opts.spoolDir, (err) => interrupt.fail(err), opts.onSpill, undefined, opts.giveBack);
  };
  const close = async (): Promise<void> => {
    const sha256 = await interrupt.race(feed.digest(feed.ids[1]!));
    feed.ids = [whole];
    const part = await current!.finish(sha256);
    current = null;
    parts++;
    opts.onPart(part);
  };
  try {
    for (;;) {
      interrupt.check();
      opts.want?.(opts.partSize - (current?.size ?? 0));
      const next = await interrupt.race(pull(iterator, taken));
      if (next.done) break;
      let chunk = toBuffer(next.value, taken);
      taken += chunk.length;
      while (chunk.length > 0) {
        current ??= await open();
        const room = opts.partSize - current.size;
        const piece = chunk.length <= room ? chunk : chunk.subarray(0, room);
        chunk = chunk.subarray(piece.length);
        await feed.update(piece);
        await current.push(piece);
        if (current.size === opts.partSize) await close();
      }
      progress.update(taken);
    }
    if (current !== null || parts === 0) {
      current ??= await open();
      await close();
    }
    const sha256 = await interrupt.race(feed.digest(whole));
    interrupt.check();
    progress.finish(taken);
    return { size: BigInt(taken), sha256, parts };
  } catch (err) {
    progress.stop();
    if (input instanceof Readable) input.destroy();
    else closeInput(iterator);
    await (current as PartWriter | null)?.discard();
    throw err;
  } finally {
    sums.close();
    interrupt.dispose();
  }
}
