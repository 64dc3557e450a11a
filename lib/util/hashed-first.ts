// The same-pass SHA-256 of what an upload sends: a body as it is read, its
// first `size` bytes added to a sum (a file that grew sends only those).
// put's SCP upload uses it; cp's local files are summed as read (fs/file-reads.ts hashFirst).
import type { Hash } from 'node:crypto';

/** `body` as it is read (return() passed on as is), its first `size` bytes added to `sum`. */
export function hashedFirst(body: AsyncIterable<Uint8Array>, size: bigint, sum: Hash): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator]: () => {
      const it = body[Symbol.asyncIterator]();
      let left = size;
      return {
        next: async () => {
          const r = await it.next();
          if (!r.done && left > 0n) {
            const chunk = BigInt(r.value.length) <= left ? r.value : r.value.subarray(0, Number(left));
            left -= BigInt(chunk.length);
            sum.update(chunk);
          }
          return r;
        },
        return: async (value?: unknown) => (it.return ? it.return(value) : { done: true as const, value: undefined }),
      };
    },
  };
}
