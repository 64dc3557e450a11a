// Pass 2's hot loop: copies a body into the channel with backpressure, exactly
// `size` bytes (docs/protocol.md §4.1 step 2). It never writes past `size`; if the
// body is short it pads with zeros, as OpenSSH does after a read error, so the
// sink stays in step and can be told with a \1 instead of the final \0.
// With `maxPad`, a longer gap is not padded (a `--size 2T` stream that died
// early would send terabytes of zeros): the caller cuts the file off instead.
// A wait for input (a slow producer) ends when the peer goes away or the
// run is aborted: the user hears of it then, not at the next input.
import type { Writable } from 'node:stream';
import { ScpipeError, abortError } from '../errors';
import { onAbort } from '../util/abort';
import { escapeForTerminal } from '../util/escape';
import { Interrupt } from '../util/interrupt';
import { bodyChunks } from './body-chunks';

/** What happened to the body: `short` and `long` are failures to report. */
export interface BodyOutcome {
  sent: bigint; // bytes of the body written (padding not counted)
  result: 'exact' | 'short' | 'long';
  readError?: Error; // the body's own error (the input failed part-way)
  padded: boolean; // false: short by more than `maxPad`, nothing past `sent` was written
}

export interface WriteBodyOptions {
  /** `exact`: bytes beyond `size` are an error; `prefix`: stop after `size`. */
  excess: 'error' | 'ignore';
  peerGone: AbortSignal; // fires (with the error as reason) when the peer goes away
  signal?: AbortSignal;
  onProgress?: (sent: bigint) => void;
  /** The most zero bytes to pad a short body with (default: no limit). */
  maxPad?: bigint;
  /** Body bytes handed to `out` so far, the piece still waiting for 'drain' too: at most these reached the peer. */
  onHanded?: (handed: bigint) => void;
}

// The most handed to `out` at once: a larger chunk (a whole Uint8Array) goes
// in pieces, so the bytes handed and not yet drained stay few.
const PIECE = 256 * 1024;
const PAD = Buffer.alloc(PIECE);

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
  const drain = new DrainWaiter(out, opts.peerGone, opts.signal);
  const progress = callingBack(opts.onProgress);
  const waiting = new Interrupt(opts.signal);
  const unlinkGone = onAbort(opts.peerGone, () => waiting.fail(opts.peerGone.reason));
  const input = bodyChunks(body);
  let inputDone = false;
  let reading = false;
  const write = async (buf: Uint8Array): Promise<void> => {
    if (opts.peerGone.aborted) throw opts.peerGone.reason;
    if (out.write(buf)) return;
    try {
      await drain.wait();
    } catch (err) {
      writeError = err;
      throw err;
    }
  };
  try {
    try {
      for (;;) {
        // Gone or aborted before this wait began (the events only cut a wait under way).
        if (opts.peerGone.aborted) throw opts.peerGone.reason;
        if (opts.signal?.aborted) throw abortError(opts.signal);
        reading = true;
        const next = await waiting.race(input.next());
        reading = false;
        if (next.done === true) {
          inputDone = true;
          break;
        }
        const chunk = next.value;
        if (opts.signal?.aborted) throw abortError(opts.signal);
        if (chunk.length === 0) continue;
        const room = size - sent;
        if (room === 0n) {
          if (opts.excess === 'error') result = 'long';
          break;
        }
        const part = BigInt(chunk.length) > room ? chunk.subarray(0, Number(room)) : chunk;
        for (let at = 0; at < part.length; at += PIECE) {
          const piece = part.length <= PIECE ? part : part.subarray(at, at + PIECE);
          opts.onHanded?.(sent + BigInt(piece.length));
          await write(piece);
          sent += BigInt(piece.length);
          progress(sent);
        }
        if (part.length < chunk.length) {
          // More than `size`: an error, or (a file that grew) the rest is not ours.
          if (opts.excess === 'error') result = 'long';
          break;
        }
        if (sent === size && opts.excess === 'ignore') break;
      }
      if (result !== 'long' && sent === size) result = 'exact';
    } catch (err) {
      if (reading && !opts.signal?.aborted && !opts.peerGone.aborted) inputDone = true; // the input's own error: it is over
      if (!inputDone) {
        // As for-await does; not awaited while a read is cut short (a generator answers return() only after it).
        const closing = input.return?.();
        inputDone = true;
        if (reading) closing?.catch(() => undefined);
        else await closing?.catch(() => undefined);
      }
      if (writeError !== undefined || opts.signal?.aborted || opts.peerGone.aborted) throw err;
      readError = err as Error;
    }
    if (!inputDone) await input.return?.(); // a break, as for-await does
    if (opts.maxPad !== undefined && size - sent > opts.maxPad) return { sent, result, readError, padded: false };
    for (let left = size - sent; left > 0n; ) {
      const n = left > BigInt(PAD.length) ? PAD.length : Number(left);
      await write(PAD.subarray(0, n));
      left -= BigInt(n);
    }
  } finally {
    drain.dispose();
    unlinkGone();
    waiting.dispose();
  }
  return { sent, result, readError, padded: true };
}

// The caller's callback that throws stops the upload as the caller's own
// failure (SFTP's writer says the same), not as an error reading the input.
function callingBack(onProgress: ((sent: bigint) => void) | undefined): (sent: bigint) => void {
  return (sent) => {
    try {
      onProgress?.(sent);
    } catch (err) {
      throw new ScpipeError('ERR_LOCAL_IO', `unexpected failure: ${escapeForTerminal((err as Error)?.message ?? String(err))}`, { cause: err });
    }
  };
}

/**
 * Waits for 'drain' on `out`, any number of times; a wait rejects if the
 * peer goes away, the stream fails, or the signal fires. The listeners are
 * added once, not per wait: a GiB is thousands of waits, and each
 * add/removeEventListener on an AbortSignal costs the send loop's thread
 * (docs/performance.md §3). dispose() leaves none behind.
 */
class DrainWaiter {
  private waiter: { resolve(): void; reject(err: unknown): void } | undefined;
  private failure: { err: unknown } | undefined;
  private readonly onDrain = (): void => this.settle();
  private readonly onError = (err: unknown): void => this.fail(err);
  private readonly unlinkGone: () => void;
  private readonly unlinkAbort: () => void;

  constructor(
    private readonly out: Writable,
    peerGone: AbortSignal,
    signal: AbortSignal | undefined,
  ) {
    out.on('drain', this.onDrain);
    out.on('error', this.onError);
    this.unlinkGone = onAbort(peerGone, () => this.fail(peerGone.reason));
    this.unlinkAbort = onAbort(signal, () => this.fail(abortError(signal)));
  }

  /** Resolves on the next 'drain'; rejects at once if something already failed. */
  wait(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure.err);
    return new Promise<void>((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  dispose(): void {
    this.out.off('drain', this.onDrain);
    this.out.off('error', this.onError);
    this.unlinkGone();
    this.unlinkAbort();
  }

  private settle(err?: { err: unknown }): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    if (!waiter) return;
    if (err) waiter.reject(err.err);
    else waiter.resolve();
  }

  private fail(err: unknown): void {
    this.failure ??= { err };
    this.settle(this.failure);
  }
}
