// One attempt at sending a file through a remote `scp -t` (put's second
// pass, each retry's too), and the small rules around it: how a short
// stream ends, a Buffer of the wrong size, what a spill says on -v.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { ScpipeError, abortError, asScpipeError, isScpipeError } from '../errors';
import type { ExitStatus } from '../protocol/channel';
import type { ScpSource } from '../protocol/source';
import type { Times } from '../protocol/records';
import { formatBytes, type Spill } from '../spool';
import { escapeForTerminal } from '../util/escape';
import { hashedFirst } from '../util/hashed-first';
import { remoteBasename } from '../protocol/names';
import type { PutOptions } from './put-types';
import { scpLanding } from './scp-landing';

// A stream that ends short of its `--size` is padded to it (the remote scp
// is told, and the file is at least whole-sized) only while the gap costs
// less than a second even on a slow link; past that the file is cut off.
const MAX_PAD = 1n << 20n;

// One attempt at sending the file over `source`, from `body`: the input, or
// (`own`) a replay of the spool or the input read again, which needs no
// signal of its own: the write loop stops on abort. With `sha256`, the sum
// of this attempt's bytes (the first `size`).
export async function sendTo(source: ScpSource, name: string, size: bigint, body: Readable | AsyncIterable<Uint8Array>, own: boolean, opts: PutOptions, remotePath: string): Promise<{ exit: ExitStatus; sha256?: string }> {
  const sum = opts.sha256 || opts.verify ? createHash('sha256') : undefined;
  // A name of its own (--name) lands inside remotePath when that is a directory, which only the remote knows.
  const landing = remoteBasename(remotePath) === name ? { path: remotePath, shown: undefined } : scpLanding(remotePath, [name], false);
  try {
    // Written into the channel is not stored: the channel's window and buffer
    // (MiBs) are still on their way, so the size reached awaits the sink's \0 (§4.1).
    const report = (bytes: bigint, confirmed = false): void => opts.onProgress?.({ name, phase: 'transfer', bytes, total: size, ...(bytes === size && !confirmed ? { awaiting: true as const } : {}) });
    report(0n);
    const stored = await source.sendFile({
      name,
      size,
      mode: opts.mode ?? 0o644,
      times: opts.preserve ? opts.times ?? nowTimes() : undefined,
      body: sum ? hashedFirst(body, size, sum) : body,
      excess: opts.ignoreExcess ? 'ignore' : 'error',
      maxPad: MAX_PAD,
      remotePath: landing.path,
      remoteShown: landing.shown,
      onProgress: (bytes) => report(bytes),
    });
    if (stored) report(size, true);
    // The last ack came before any abort: the commit point (source.ts finish()).
    if (!opts.signal?.aborted && source.problems.length === 0) opts.onCommitted?.();
    const exit = await source.finish();
    return { exit, sha256: sum?.digest('hex') };
  } finally {
    if (own && body instanceof Readable) body.destroy(); // a replay not read to the end
  }
}

/** The `-v` line for a spill. */
export function describeSpill(spill: Spill, memoryLimit: number): string {
  const after = formatBytes(spill.bytes);
  const dir = escapeForTerminal(spill.dir);
  if (spill.to === 'memory') return `spool: past ${after}, RAM goes on in a memory file in ${dir}`;
  if (spill.bytes >= memoryLimit) return `spool: over the memory limit (${formatBytes(memoryLimit)}): spilling to a file in ${dir}`;
  return `spool: the memory file is full or could not be made after ${after}: spilling to a file in ${dir}`;
}

// A Uint8Array with `size`: its first `size` bytes with ignoreExcess; any
// other difference is refused before a byte is sent (SFTP refuses it too).
export function fitBuffer<T>(input: T | Uint8Array, opts: PutOptions): T | Uint8Array {
  if (!(input instanceof Uint8Array) || opts.size === undefined || BigInt(input.length) === opts.size) return input;
  const { size } = opts;
  if (size < BigInt(input.length) && opts.ignoreExcess) return input.subarray(0, Number(size));
  const why = size < BigInt(input.length) ? `the input is longer than the ${size} bytes announced` : `the input ended after ${input.length} of the ${size} bytes announced`;
  throw new ScpipeError('ERR_SIZE_MISMATCH', `${why}; nothing was stored`, { bytes: 0n });
}

export async function* oneChunk(buf: Uint8Array): AsyncGenerator<Uint8Array> {
  yield buf;
}

function nowTimes(): Times {
  const now = BigInt(Math.floor(Date.now() / 1000));
  return { mtime: now, atime: now };
}

// An abort wins over whatever it caused (kept when it says what it cut
// short: cut-short.ts); otherwise keep the error.
export function preferCause(err: unknown, signal?: AbortSignal): unknown {
  if (signal?.aborted) return isScpipeError(err) && err.cutShort ? err : abortError(signal);
  return asScpipeError(err);
}
