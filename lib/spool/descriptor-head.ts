// The first bytes of a descriptor, read on the main thread before the spool
// thread starts: a stream that is already complete in the pipe (`printf … |`,
// `echo … |`, a short file) is then taken without starting a thread, whose
// start-up would make a tiny put measurably slower (docs/performance.md §3).
// At most two reads, through the thread pool, so a blocking descriptor never
// blocks the main thread.
import * as fs from 'node:fs';
import { Interrupt } from '../util/interrupt';
import { inputError } from './input';

/** Most bytes read here: one pipe's worth. */
export const HEAD_SIZE = 64 * 1024;

/** What readHead() took. */
export interface Head {
  /** The bytes read (a view of a buffer nothing else references). */
  bytes: Buffer;
  /** True when the input ended within `bytes`. */
  ended: boolean;
}

/**
 * Reads up to HEAD_SIZE bytes of `fd`: one read, and a second one to see
 * whether the input has ended. Stops early at end of input, and when a
 * non-blocking descriptor has nothing more yet (EAGAIN). Rejects with
 * ERR_LOCAL_IO, or abortError(signal) (a pending read of a blocking
 * descriptor is then left to finish, and its bytes are dropped).
 */
export async function readHead(fd: number, signal: AbortSignal | undefined): Promise<Head> {
  const buffer = Buffer.allocUnsafeSlow(HEAD_SIZE);
  const interrupt = new Interrupt(signal);
  let used = 0;
  try {
    for (let reads = 0; reads < 2 && used < HEAD_SIZE; reads++) {
      interrupt.check();
      const n = await interrupt.race(readSome(fd, buffer, used));
      if (n === null) break; // EAGAIN: the rest is the spool thread's
      if (n === 0) return { bytes: buffer.subarray(0, used), ended: true };
      used += n;
    }
    return { bytes: buffer.subarray(0, used), ended: false };
  } catch (err) {
    throw inputError(err, used);
  } finally {
    interrupt.dispose();
  }
}

// One read at the descriptor's own position; null for EAGAIN.
function readSome(fd: number, buffer: Buffer, offset: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    fs.read(fd, buffer, offset, buffer.length - offset, null, (err, n) => {
      if (!err) resolve(n);
      else if (err.code === 'EAGAIN' || err.code === 'EWOULDBLOCK') resolve(null);
      else reject(err);
    });
  });
}
