// A descriptor read to its end as chunks, for an SFTP put of `{ fd }` other
// than a pipe on stdin. A non-blocking pipe or socket (O_NONBLOCK, or one
// libuv made so) answers EAGAIN until the producer writes: waited for with a
// backoff of 1 to 10 ms, as the spool thread does, instead of failing.
import { read } from 'node:fs';
import { BODY_CHUNK } from '../util/body-chunk';

const MAX_IDLE_MS = 10;
const AGAIN = Symbol('again');

// One read at the descriptor's own position: the bytes, null at the end, AGAIN for nothing yet.
function readOnce(fd: number): Promise<Buffer | null | typeof AGAIN> {
  const buffer = Buffer.allocUnsafe(BODY_CHUNK);
  return new Promise((resolve, reject) => {
    read(fd, buffer, 0, buffer.length, null, (err, n) => {
      if (!err) resolve(n === 0 ? null : buffer.subarray(0, n));
      else if (err.code === 'EAGAIN' || err.code === 'EWOULDBLOCK' || err.code === 'EINTR') resolve(AGAIN);
      else reject(err);
    });
  });
}

/** The chunks of `fd` from its current position; return() ends them at once, also while waiting. */
export function descriptorChunks(fd: number): AsyncIterableIterator<Uint8Array> {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let wake = (): void => undefined;
  const done = { done: true as const, value: undefined };
  return {
    async next() {
      for (let idle = 0; !stopped; ) {
        const got = await readOnce(fd);
        if (got === null) break;
        if (got !== AGAIN) return { done: false, value: got };
        idle = Math.min(idle * 2 || 1, MAX_IDLE_MS);
        await new Promise<void>((resolve) => {
          wake = resolve;
          timer = setTimeout(resolve, idle);
        });
      }
      return done;
    },
    async return() {
      stopped = true;
      clearTimeout(timer);
      wake();
      return done;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
