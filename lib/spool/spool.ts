// Pass 1 of sending a stream of unknown size over SCP, which must announce
// the size before the bytes: spool() takes the whole input, keeping it in RAM
// up to a limit and spilling it to a private temporary file beyond that, and
// yields a Spool that knows the exact size and can replay the bytes (pass 2)
// as often as needed.
import type { Readable } from 'node:stream';
import { throwIfAborted } from '../errors';
import { ChunkList } from './chunks';
import { DescriptorInput, spoolDescriptor } from './descriptor';
import { checkMemoryLimit, spoolDirectory, type SpoolOptions } from './options';
import { SpoolFile } from './spool-file';
import { FileSpool, MemorySpool, type Spool } from './spools';
import { SpoolWriter } from './writer';
import { closeInput, openInput, pull, toBuffer } from './input';
import { Interrupt } from '../util/interrupt';
import { Progress } from './control';

/**
 * Takes all of `input`, measuring it into RAM and spilling to a file beyond
 * `memoryLimit`, and resolves with the Spool. Reads the input no faster than
 * the disk accepts it.
 *
 * Rejects with ScpipeError: ERR_SPOOL when the spool file cannot be created or
 * written (disk full, permissions, missing directory), ERR_LOCAL_IO when the
 * input fails, abortError(signal) when aborted, ERR_USAGE for bad options. On
 * any failure, everything is cleaned up before the promise rejects (no file
 * left, no listener on the signal) and the input is read no further: its
 * async iterator is returned, which for a Node Readable destroys the stream
 * (standard `for await` behaviour; for a stalled stream, once its pending
 * read settles). The input must not change a chunk after yielding it.
 *
 * A DescriptorInput (an open fd, e.g. stdin) is read by a worker thread
 * instead, about twice as fast; see descriptor.ts.
 */
export async function spool(
  input: Readable | AsyncIterable<Uint8Array> | DescriptorInput,
  opts: SpoolOptions = {},
): Promise<Spool> {
  if (input instanceof DescriptorInput) return spoolDescriptor(input, opts);
  const memoryLimit = checkMemoryLimit(opts.memoryLimit);
  const dir = spoolDirectory(opts.spoolDir);
  const { signal } = opts;
  throwIfAborted(signal);
  const iterator = openInput(input);
  const interrupt = new Interrupt(signal);
  const progress = new Progress(opts.onProgress, (err) => interrupt.fail(err));

  let taken = 0;
  let ram: ChunkList | null = new ChunkList();
  let file: SpoolFile | null = null;
  let writer: SpoolWriter | null = null;
  try {
    for (;;) {
      interrupt.check();
      const next = await interrupt.race(pull(iterator, taken));
      if (next.done) break;
      const chunk = toBuffer(next.value, taken);
      if (chunk.length === 0) continue;
      taken += chunk.length;
      if (writer !== null) {
        writer.push(chunk);
      } else if (taken <= memoryLimit) {
        ram!.push(chunk);
      } else {
        file = await SpoolFile.create(dir);
        interrupt.check();
        opts.onSpill?.({ to: 'disk', dir, bytes: taken });
        writer = new SpoolWriter(file, (err) => interrupt.fail(err));
        const spilled = ram!.takeWithBlocks();
        writer.adopt(spilled.chunks, spilled.blocks);
        ram = null;
        writer.push(chunk);
      }
      if (writer?.full) await writer.flush();
      progress.update(taken);
    }
    if (writer) await writer.end();
    interrupt.check();
    progress.finish(taken);
  } catch (err) {
    progress.stop();
    closeInput(iterator);
    ram = null;
    if (writer) await writer.idle();
    if (file) await file.close();
    throw err;
  } finally {
    interrupt.dispose();
  }
  return file ? new FileSpool(file, taken) : new MemorySpool(ram!.take(), taken);
}
