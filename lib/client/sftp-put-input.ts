// put over SFTP's first step: the input, as pieces, handed to the pipelined
// writer (sftp-put.ts), checked against the size it was announced with.
import type { Hash } from 'node:crypto';
import { ScpipeError, abortError } from '../errors';
import type { PipelinedWriter } from '../sftp/writer';
import type { Interrupt } from '../util/interrupt';
import type { PutOptions } from './put-types';
import type { PieceSource } from './sftp-pieces';

/** What copyInput() reads of put's options. */
export type CopyInputOptions = Pick<PutOptions, 'size' | 'ignoreExcess' | 'signal'>;

// Writes the input, exactly `size` bytes when known (and stops there with ignoreExcess).
// The size is --size's or a regular file's at the start (it may shrink): the
// messages say "announced", as SCP's do, not --size.
// Each read is raced against `fatal` (Interrupt, not Promise.race against one
// long-lived promise: each race left a reaction on it holding its piece, so
// the whole stream stayed in memory).
export async function copyInput(source: PieceSource, writer: PipelinedWriter, fatal: Interrupt, opts: CopyInputOptions, sum?: Hash): Promise<number> {
  const size = opts.size === undefined ? undefined : Number(opts.size);
  let total = 0;
  for (;;) {
    fatal.check();
    const next = await fatal.race(source.next());
    if (next === undefined) break;
    if (opts.signal?.aborted) throw abortError(opts.signal);
    let piece = next;
    if (size !== undefined && total + piece.length > size) {
      if (!opts.ignoreExcess) throw new ScpipeError('ERR_SIZE_MISMATCH', `the input is longer than the ${opts.size} bytes announced; nothing was stored`, { bytes: BigInt(total) });
      piece = piece.subarray(0, size - total);
    }
    sum?.update(piece);
    await writer.writePiece(piece);
    total += piece.length;
    if (size !== undefined && total === size && opts.ignoreExcess) break;
  }
  if (opts.signal?.aborted) throw abortError(opts.signal);
  if (size !== undefined && total < size) {
    throw new ScpipeError('ERR_SIZE_MISMATCH', `the input ended after ${total} of the ${opts.size} bytes announced; nothing was stored`, { bytes: BigInt(total) });
  }
  return total;
}
