// Cuts a stream into parts of exactly `partSize` bytes (the last shorter; an
// empty stream is one empty part), spooling each (part-writer.ts) and
// hashing the whole stream in the same pass. Before each part it waits for
// room (`beforePart`), so no more parts are held than the uploads allow.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Interrupt, Progress } from '../../spool/control';
import { closeInput, openInput, pull, toBuffer } from '../../spool/input';
import { PartWriter, type MemoryBudget, type SpooledPart } from './part-writer';

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
  onSpill?: (index: number) => void;
  /** Bytes taken so far (throttled). */
  onProgress?: (bytes: bigint) => void;
}

/** What the whole stream was. */
export interface CutResult {
  size: bigint;
  sha256: string;
  parts: number;
}

/** Reads `input` to its end, handing over parts; see the file comment. */
export async function cutParts(input: Readable | AsyncIterable<Uint8Array>, opts: CutOptions): Promise<CutResult> {
  const iterator = openInput(input);
  const interrupt = new Interrupt(opts.signal);
  const progress = new Progress(opts.onProgress);
  const whole = createHash('sha256');
  let taken = 0;
  let parts = 0;
  let current: PartWriter | null = null;
  const open = async (): Promise<PartWriter> => {
    await interrupt.race(opts.beforePart());
    return new PartWriter(parts, opts.budget, opts.spoolDir, (err) => interrupt.fail(err), opts.onSpill);
  };
  const close = async (): Promise<void> => {
    const part = await current!.finish();
    current = null;
    parts++;
    opts.onPart(part);
  };
  try {
    for (;;) {
      interrupt.check();
      const next = await interrupt.race(pull(iterator, taken));
      if (next.done) break;
      let chunk = toBuffer(next.value, taken);
      taken += chunk.length;
      whole.update(chunk);
      while (chunk.length > 0) {
        current ??= await open();
        const room = opts.partSize - current.size;
        const piece = chunk.length <= room ? chunk : chunk.subarray(0, room);
        chunk = chunk.subarray(piece.length);
        await current.push(piece);
        if (current.size === opts.partSize) await close();
      }
      progress.update(taken);
    }
    if (current !== null || parts === 0) {
      current ??= await open();
      await close();
    }
    interrupt.check();
    progress.finish(taken);
    return { size: BigInt(taken), sha256: whole.digest('hex'), parts };
  } catch (err) {
    closeInput(iterator);
    await (current as PartWriter | null)?.discard();
    throw err;
  } finally {
    interrupt.dispose();
  }
}
