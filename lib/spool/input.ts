// How pass 1 takes its input: any Readable or async iterable of bytes,
// pulled one chunk at a time, with failures turned into ERR_LOCAL_IO.
import type { Readable } from 'node:stream';
import { types } from 'node:util';
import { ScpipeError } from '../errors';
import { describeIoError } from '../fs/strerror';

/** The input's iterator; refuses what is not a stream of bytes. */
export function openInput(input: Readable | AsyncIterable<Uint8Array>): AsyncIterator<unknown> {
  const open = (input as Partial<AsyncIterable<unknown>> | null)?.[Symbol.asyncIterator];
  if (typeof open !== 'function') {
    throw new ScpipeError('ERR_USAGE', 'spool input must be a Readable or an async iterable of bytes');
  }
  return open.call(input);
}

// The iterator's next chunk; its failure becomes ERR_LOCAL_IO.
export function pull(iterator: AsyncIterator<unknown>, taken: number): Promise<IteratorResult<unknown>> {
  let next: Promise<IteratorResult<unknown>>;
  try {
    next = Promise.resolve(iterator.next());
  } catch (err) {
    next = Promise.reject(err);
  }
  return next.catch((err: unknown) => {
    throw inputError(err, taken);
  });
}

export function inputError(err: unknown, taken: number): ScpipeError {
  if (err instanceof ScpipeError) return err;
  return new ScpipeError('ERR_LOCAL_IO', `error reading input: ${describeIoError(err)}`, {
    bytes: BigInt(taken),
    cause: err,
  });
}

// Stops the input: returns its iterator without waiting (a pending read may hold it up).
export function closeInput(iterator: AsyncIterator<unknown>): void {
  try {
    const done = iterator.return?.();
    if (done) Promise.resolve(done).catch(() => undefined);
  } catch {
    // the input is failing anyway
  }
}

/** A chunk as a Buffer (a view, no copy); anything but bytes is an error. */
export function toBuffer(value: unknown, taken: number): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (types.isUint8Array(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw new ScpipeError(
    'ERR_LOCAL_IO',
    `error reading input: expected bytes, got ${typeof value === 'string' ? 'a string' : typeof value}`,
    { bytes: BigInt(taken) },
  );
}
