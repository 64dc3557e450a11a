// Pass 2's hot loop: copies a body into the channel with backpressure, exactly
// `size` bytes (PROTOCOL.md §4.1 step 2). It never writes past `size`; if the
// body is short it pads with zeros, as OpenSSH does after a read error, so the
// sink stays in step and can be told with a \1 instead of the final \0.
import type { Writable } from 'node:stream';
import { abortError } from '../errors';

/** What happened to the body: `short` and `long` are failures to report. */
export interface BodyOutcome {
  sent: bigint; // bytes of the body written (padding not counted)
  result: 'exact' | 'short' | 'long';
  readError?: Error; // the body's own error (the input failed part-way)
}

export interface WriteBodyOptions {
  /** `exact`: bytes beyond `size` are an error; `prefix`: stop after `size`. */
  excess: 'error' | 'ignore';
  peerGone: AbortSignal; // fires (with the error as reason) when the peer goes away
  signal?: AbortSignal;
  onProgress?: (sent: bigint) => void;
}

const PAD = Buffer.alloc(256 * 1024);

/** Writes `size` bytes of `body` into `out`, then stops. */
export async function writeBody(
  out: Writable,
  body: AsyncIterable<Uint8Array>,
  size: bigint,
  opts: WriteBodyOptions,
): Promise<BodyOutcome> {
  let sent = 0n;
  let result: BodyOutcome['result'] = 'short';
  let readError: Error | undefined;
  let writeError: unknown;
  const write = async (buf: Uint8Array): Promise<void> => {
    if (opts.peerGone.aborted) throw opts.peerGone.reason;
    if (out.write(buf)) return;
    try {
      await drained(out, opts.peerGone, opts.signal);
    } catch (err) {
      writeError = err;
      throw err;
    }
  };
  try {
    for await (const chunk of body) {
      if (opts.signal?.aborted) throw abortError(opts.signal);
      if (chunk.length === 0) continue;
      const room = size - sent;
      if (room === 0n) {
        result = 'long';
        break;
      }
      const part = BigInt(chunk.length) > room ? chunk.subarray(0, Number(room)) : chunk;
      await write(part);
      sent += BigInt(part.length);
      opts.onProgress?.(sent);
      if (part.length < chunk.length) {
        result = 'long';
        break;
      }
      if (sent === size && opts.excess === 'ignore') break;
    }
    if (result !== 'long' && sent === size) result = 'exact';
  } catch (err) {
    if (writeError !== undefined || opts.signal?.aborted || opts.peerGone.aborted) throw err;
    readError = err as Error;
  }
  for (let left = size - sent; left > 0n; ) {
    const n = left > BigInt(PAD.length) ? PAD.length : Number(left);
    await write(PAD.subarray(0, n));
    left -= BigInt(n);
  }
  return { sent, result, readError };
}

// Resolves on 'drain'; rejects if the peer goes away, the stream fails, or
// the signal fires. Leaves no listener behind either way.
function drained(out: Writable, peerGone: AbortSignal, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (err?: unknown): void => {
      out.off('drain', onDrain);
      out.off('error', done);
      peerGone.removeEventListener('abort', onGone);
      signal?.removeEventListener('abort', onAbort);
      if (err === undefined) resolve();
      else reject(err);
    };
    const onDrain = (): void => done();
    const onGone = (): void => done(peerGone.reason);
    const onAbort = (): void => done(abortError(signal));
    out.on('drain', onDrain);
    out.on('error', done);
    peerGone.addEventListener('abort', onGone, { once: true });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
