// `put`: one stream to one remote file. Pass 1 (the spool) and the SSH set-up
// run at the same time, so a wrong password, a refused command or a missing
// directory fails in seconds, not after the stream ends; pass 2 replays the
// spool into the remote `scp -t` (DESIGN.md "Why two passes").
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { ScpipeError, abortError, isScpipeError, throwIfAborted } from '../errors';
import type { ExitStatus } from '../protocol/channel';
import { remoteScpCommand, type RemoteCommandOptions } from '../protocol/command';
import { ScpSource, type RoleOptions } from '../protocol/source';
import type { Times } from '../protocol/records';
import { DEFAULT_MEMORY_LIMIT, DescriptorInput, formatBytes, spool, type Spill, type Spool } from '../spool';
import { escapeForTerminal } from '../util/escape';
import type { OpenChannel, Target } from './connection';
import { Reconnector, isConnectionLoss } from './reconnect';
import { DEFAULT_RETRIES, withRetries, type RetryEvent } from './retry';
import type { Progress } from './progress';
import { checkCounts } from './counts';
import { chooseProtocol, scpRefusalHint, type Protocol } from './protocol-choice';
import { putSftp } from './sftp-put';
import { remoteFileName } from './remote-name';
import type { PartsOptions } from './parts/options';
import { putParts, type PartsResult } from './parts/put-parts';
import { linkedController } from '../util/abort';
import { refuseExisting } from './scp-exists';
import { readBackScp, readBackSet } from './read-back';
import { hashedFirst } from '../util/hashed-first';

/**
 * An open file descriptor, read to its end: `{ fd: 0 }` for stdin. It is
 * spooled by a worker thread, the fastest way to take a pipe; it cannot go
 * with `size` or `partSize`. Create `process.stdin` first and leave it
 * paused: that makes a pipe non-blocking, so an abort does not wait for the
 * producer's next byte.
 */
export interface DescriptorSource {
  readonly fd: number;
}

/**
 * Anything put() can send. A Uint8Array has a known size and is never
 * spooled; a DescriptorSource is spooled by a worker thread.
 */
export type PutInput = Readable | AsyncIterable<Uint8Array> | Uint8Array | DescriptorSource;

// The spool's own tag for a descriptor (DescriptorInput) in place of a DescriptorSource.
function spoolable(input: PutInput): Readable | AsyncIterable<Uint8Array> | Uint8Array | DescriptorInput {
  if (input instanceof Readable || input instanceof Uint8Array || input instanceof DescriptorInput || Symbol.asyncIterator in input) return input;
  return new DescriptorInput(input.fd);
}

/** Options of put(). */
export interface PutOptions extends RoleOptions, RemoteCommandOptions {
  /** `auto` (default): SFTP where the subsystem opens, else SCP; or force one. */
  protocol?: Protocol;
  /** Over SFTP: channels to write over (default: from the round trip, sftp/lanes.ts). */
  parallel?: number;
  /** Name in the C record; default: the last part of the remote path. */
  name?: string;
  /** Known size: the input is streamed without spooling and must match exactly. */
  size?: bigint;
  /** With `size`: read only `size` bytes and ignore the rest (a file that grows). */
  ignoreExcess?: boolean;
  /** File mode to announce (default 0o644). */
  mode?: number;
  /** `-p`: send times and ask the remote to keep mode and times. */
  preserve?: boolean;
  /** Times sent with `preserve` (default: now). */
  times?: Times;
  /** RAM kept before the spool spills to disk (default 64 MiB). */
  memoryLimit?: number;
  /** Directory of the spool file (default TMPDIR). */
  spoolDir?: string;
  /** For a DescriptorInput: where the RAM part beyond 8 MiB is kept (SpoolOptions.memoryDir; false: process memory). */
  memoryDir?: string | false;
  /** Spooling, then sending (`name`: the name announced). */
  onProgress?: (p: Progress) => void;
  /**
   * After a lost connection, send again (default retry.ts DEFAULT_RETRIES; 0:
   * none): from the spool, a Uint8Array, or `reread`; over SFTP, resumed.
   */
  retries?: number;
  /**
   * With `size`: the input again from its first byte, for an SCP upload sent
   * again after a lost connection (a regular file: a new read stream from
   * where the first began). Without it a stream of known size is not resent.
   */
  reread?: () => Readable | AsyncIterable<Uint8Array>;
  backoffMs?: readonly number[];
  onRetry?: (event: RetryEvent) => void;
  /** Over SFTP: first remove the temporary files an interrupted upload of this target left (sftp-stale.ts). */
  removeStale?: boolean;
  /** Told of each stale temporary file removed. */
  onStaleRemoved?: (path: string) => void;
  /** Told of each temporary file of this target kept because it was written to `ageS` seconds ago (sftp-stale.ts). */
  onStaleKept?: (path: string, ageS: number) => void;
  /** Compute the SHA-256 of the bytes sent, in the same pass (PutResult.sha256); always done for parts. */
  sha256?: boolean;
  /** put(): read the stored file back and compare its SHA-256 with the one sent (read-back.ts); over SFTP before the rename. */
  verify?: boolean;
  /** Never replace a remote file: ERR_EXISTS before anything is sent (over SCP a check, scp-exists.ts; over SFTP also the final rename). */
  noClobber?: boolean;
}

/** What put() did. */
export interface PutResult {
  bytes: bigint;
  /** The stored file's name (the last part of its path; a parts set's NAME). */
  name: string;
  /** Where the stream was measured: not at all (size known), in RAM, or on disk. */
  spooled: 'none' | 'memory' | 'disk';
  command: string;
  exit: ExitStatus;
  /** With `partSize`: every part, the manifest and where they went. */
  parts?: PartsResult;
  /** The protocol the bytes went over (`auto` chooses, see `protocolReason`). */
  protocol: 'scp' | 'sftp';
  /** Why `auto` chose SCP: the SFTP subsystem's refusal. */
  protocolReason?: string;
  /** Over SFTP: the channels written over. */
  channels?: number;
  /** With `sha256` (or parts): the SHA-256 (hex) of the stream as it was stored. */
  sha256?: string;
}

/**
 * Uploads `input` (a Readable, an async iterable of bytes, or a Buffer) to
 * `remotePath` through a remote `scp -t`. Spools only when the size is unknown.
 *
 *     await put({ host: 'vault', user: 'backup' }, 'db.dump.zst', stream, { signal });
 */
export async function put(target: Target, remotePath: string, given: PutInput, opts: PutOptions & Partial<Omit<PartsOptions, 'onProgress'>> = {}): Promise<PutResult> {
  checkCounts(opts);
  const input = spoolable(given);
  if (opts.partSize !== undefined) {
    const name = remoteFileName(remotePath);
    const onProgress = opts.onProgress;
    const parts = await putParts(target, remotePath, input, {
      ...opts,
      partSize: opts.partSize,
      onProgress: onProgress && ((p) => onProgress({ name, phase: 'transfer', bytes: p.confirmed, parts: { produced: p.produced, inFlight: p.inFlight } })),
    });
    if (opts.verify) await readBackSet(target, parts, opts);
    return { bytes: parts.bytes, name, spooled: parts.parts.some((p) => p.spooled === 'disk') ? 'disk' : 'memory', command: '', exit: { code: 0, signal: null }, parts, protocol: parts.protocol, sha256: parts.sha256 };
  }
  const conn = new Reconnector(target, opts.trace);
  try {
    const chosen = await chooseProtocol(conn.current().opener, opts.protocol ?? 'auto', opts.signal, opts.trace, opts.onProtocol);
    if ('session' in chosen) return await putSftp(conn, chosen, remotePath, input, opts);
    const result = await putOverChannel(conn.current().open, remotePath, input, opts, conn);
    if (opts.verify) await readBackScp(conn, remotePath, result.name, result.bytes, result.sha256!, opts);
    return { ...result, protocolReason: chosen.reason };
  } catch (err) {
    throw scpRefusalHint(err, opts.protocol);
  } finally {
    conn.close();
  }
}

/**
 * Sends `input` to `remotePath` through a channel that `open` starts with the
 * given command (a remote `scp -t`). Rejects with a ScpipeError.
 */
export async function putOverChannel(
  open: OpenChannel,
  remotePath: string,
  given: PutInput,
  opts: PutOptions = {},
  conn?: Reconnector,
): Promise<PutResult> {
  throwIfAborted(opts.signal);
  const input = spoolable(given);
  const name = remoteFileName(remotePath, opts.name);
  const command = remoteScpCommand('sink', remotePath, opts);
  const known = input instanceof Uint8Array ? BigInt(input.length) : opts.size;
  if (known !== undefined && input instanceof DescriptorInput) {
    // Its reader is the spool thread; a stream of known size needs none.
    throw new ScpipeError('ERR_USAGE', 'a file descriptor is spooled: with a known size, pass a Readable (e.g. process.stdin)');
  }

  // One controller for both passes: whichever fails first stops the other.
  const { controller: inner, unlink } = linkedController(opts.signal);
  const role = { ...opts, signal: inner.signal };
  const sourceReady = (async () => {
    const source = new ScpSource(await open(command, inner.signal, 'sink'), role);
    if (inner.signal.aborted) source.destroy();
    await source.start();
    return source;
  })();
  // Spooling takes as long as the producer: a connection lost meanwhile is
  // said at once (-v), and fails the run at once unless it can be retried.
  const spoolRetries = known === undefined && conn?.canReconnect ? opts.retries ?? DEFAULT_RETRIES : 0;
  let lostWhileSpooling: ScpipeError | undefined;
  let spooling = known === undefined;
  const firstGeneration = conn?.current().generation ?? 0;
  sourceReady.catch((err: unknown) => {
    // Made and lost before the remote scp answered (while it started, or
    // the channel opened): nothing was sent, so this is a loss while
    // spooling too, not a failed connect.
    if (spooling && spoolRetries > 0 && isScpipeError(err, 'ERR_LOST_CONNECTION') && isConnectionLoss(err)) {
      lostWhileSpooling ??= err;
      opts.trace?.(`${err.message}; will reconnect once the input is spooled`);
    } else inner.abort(err);
  });
  // --no-clobber: asked beside the set-up and the spool; nothing is sent before it answers.
  const clear = opts.noClobber ? refuseExisting(open, remotePath, name, { ...opts, signal: inner.signal }) : undefined;
  clear?.catch((err: unknown) => inner.abort(err));

  let spooled: Spool | undefined;
  let source: ScpSource | undefined;
  let connected = false;
  void sourceReady.then(() => (connected = true), () => undefined);
  // After a lost connection: connect again and start a new remote scp.
  const reopened = async (): Promise<ScpSource> => {
    const again = new ScpSource(await conn!.current().open(command, inner.signal, 'sink'), role);
    try {
      await again.start();
    } catch (err) {
      again.destroy();
      throw err;
    }
    return again;
  };
  let unwatch = (): void => undefined;
  if (spooling) {
    void sourceReady.then((s) => {
      if (!spooling || inner.signal.aborted) return;
      unwatch = s.watchIdle('spool', (err) => {
        lostWhileSpooling = err;
        if (spoolRetries === 0) inner.abort(err); // the run's error says it
        else opts.trace?.(`${err.message}; will reconnect once the input is spooled`);
      });
    }, () => undefined);
  }
  try {
    if (known === undefined) {
      spooled = await spool(input as Exclude<PutInput, Uint8Array>, {
        memoryLimit: opts.memoryLimit,
        spoolDir: opts.spoolDir,
        memoryDir: opts.memoryDir,
        signal: inner.signal,
        onSpill: opts.trace && ((spill) => opts.trace!(describeSpill(spill, opts.memoryLimit ?? DEFAULT_MEMORY_LIMIT))),
        onProgress: (bytes) => opts.onProgress?.({ name, phase: 'spool', bytes }),
      });
    }
    spooling = false;
    unwatch();
    const size = spooled ? spooled.size : known!;
    // The whole file is sent again after reconnecting (retry.ts), from what
    // can give it again; a stream of known size went as it came.
    const again = spooled ? () => spooled!.replay() : input instanceof Uint8Array ? () => oneChunk(input) : opts.reread;
    const retries = again && conn?.canReconnect ? opts.retries ?? DEFAULT_RETRIES : 0;
    const sent = await withRetries(
      async (attempt) => {
        if (attempt === 0 && lostWhileSpooling && !connected) {
          conn?.renew(firstGeneration); // the remote scp never answered: no source to close
          throw lostWhileSpooling;
        }
        source = attempt === 0 ? await sourceReady : await reopened();
        const generation = conn?.current().generation ?? 0;
        try {
          if (attempt === 0 && lostWhileSpooling) throw lostWhileSpooling; // nothing sent: the stage it was lost in
          if (attempt === 0) await clear;
          const first = attempt === 0 && !spooled && !(input instanceof Uint8Array);
          const body = first ? (input as Readable | AsyncIterable<Uint8Array>) : again!();
          return await sendTo(source, name, size, body, !first, opts, remotePath.endsWith('/') ? `${remotePath}${name}` : remotePath);
        } catch (err) {
          source.destroy();
          if (isConnectionLoss(err)) conn?.renew(generation);
          throw err;
        }
      },
      { retries, backoffMs: opts.backoffMs, isRetryable: (err) => (connected || err === lostWhileSpooling) && isConnectionLoss(err), signal: opts.signal, onRetry: opts.onRetry },
    );
    return { bytes: size, name, spooled: spooled ? (spooled.onDisk ? 'disk' : 'memory') : 'none', command, exit: sent.exit, protocol: 'scp', sha256: sent.sha256 };
  } catch (err) {
    spooling = false;
    unwatch();
    inner.abort(err);
    const s = source ?? (await sourceReady.catch(() => undefined));
    s?.destroy();
    throw preferCause(err, opts.signal);
  } finally {
    unlink();
    await spooled?.dispose();
  }
}

// One attempt at sending the file over `source`, from `body`: the input, or
// (`own`) a replay of the spool or the input read again, which needs no
// signal of its own: the write loop stops on abort. With `sha256`, the sum
// of this attempt's bytes (the first `size`).
async function sendTo(source: ScpSource, name: string, size: bigint, body: Readable | AsyncIterable<Uint8Array>, own: boolean, opts: PutOptions, remotePath: string): Promise<{ exit: ExitStatus; sha256?: string }> {
  const sum = opts.sha256 || opts.verify ? createHash('sha256') : undefined;
  try {
    opts.onProgress?.({ name, phase: 'transfer', bytes: 0n, total: size });
    await source.sendFile({
      name,
      size,
      mode: opts.mode ?? 0o644,
      times: opts.preserve ? opts.times ?? nowTimes() : undefined,
      body: sum ? hashedFirst(body, size, sum) : body,
      excess: opts.ignoreExcess ? 'ignore' : 'error',
      remotePath,
      onProgress: (bytes) => opts.onProgress?.({ name, phase: 'transfer', bytes, total: size }),
    });
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

async function* oneChunk(buf: Uint8Array): AsyncGenerator<Uint8Array> {
  yield buf;
}

function nowTimes(): Times {
  const now = BigInt(Math.floor(Date.now() / 1000));
  return { mtime: now, atime: now };
}

// A user's abort wins over whatever it caused; otherwise keep the error.
function preferCause(err: unknown, signal?: AbortSignal): unknown {
  if (signal?.aborted) return isScpipeError(err, 'ERR_ABORTED') && err.cutShort ? err : abortError(signal);
  if (err instanceof ScpipeError) return err;
  return new ScpipeError('ERR_LOCAL_IO', `unexpected failure: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}
