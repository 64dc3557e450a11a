// The chunks of a body to send, each as its producer pushed it. A Readable's
// own iterator returns everything buffered as one fresh Buffer: a spool held
// in RAM replays 64 KiB pipe reads with 256 KiB buffered, so nearly every
// chunk of it was joined into a copy (docs/performance.md §4).
import { Readable } from 'node:stream';
import { ChunkReader } from './chunk-reader';

/** An iterator over `body`; for a Readable, destroyed on return() as its own iterator does. */
export function bodyChunks(body: AsyncIterable<Uint8Array>): AsyncIterator<Uint8Array> {
  if (!(body instanceof Readable) || body.readableObjectMode) return body[Symbol.asyncIterator]();
  const reader = new ChunkReader(body);
  return {
    next: () => reader.next(),
    return: async () => {
      body.destroy();
      return { done: true, value: undefined };
    },
  };
}
