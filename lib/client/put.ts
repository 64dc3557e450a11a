// `put`: one stream to one remote file. Pass 1 (the spool) and the SSH set-up
// run at the same time, so a wrong password, a refused command or a missing
// directory fails in seconds, not after the stream ends; pass 2 replays the
// spool into the remote `scp -t` (DESIGN.md "Why two passes").
import { Readable } from 'node:stream';
import { ScpipeError, abortError, asScpipeError, isScpipeError, throwIfAborted } from '../errors';
import { remoteScpCommand } from '../protocol/command';
import { ScpSource } from '../protocol/source';
import { DEFAULT_MEMORY_LIMIT, DescriptorInput, spool, type Spill, type Spool } from '../spool';
import { escapeForTerminal } from '../util/escape';
import type { OpenChannel, Target } from './connection';
import { oneRun } from './run-target';
import { Reconnector, isConnectionLoss } from './reconnect';
import { DEFAULT_RETRIES, withRetries } from './retry';
import { checkCounts } from './counts';
import { chooseProtocol, scpRefusalHint } from './protocol-choice';
import { putSftp } from './sftp-put';
import { remoteFileName } from './remote-name';
import type { PartsOptions } from './parts/options';
import { putParts } from './parts/put-parts';
import { spoolable, type PutInput, type PutOptions, type PutResult } from './put-types';
import { linkedController } from '../util/abort';
import { refuseExisting, refuseTooLong } from './scp-exists';
import { whyTooLong } from '../protocol/name-max';
import { readBackScp, readBackSet } from './read-back';
import { scpStoredName } from './scp-stored-name';
import type { SharedSpoolSeat } from './shared-spool';
import { describeSpill, fitBuffer, oneChunk, preferCause, sendTo } from './scp-send';

/**
 * Uploads `input` (a Readable, an async iterable of bytes, or a Buffer) to
 * `remotePath` through a remote `scp -t`. Spools only when the size is unknown.
 *
 *     await put({ host: 'vault', user: 'backup' }, 'db.dump.zst', stream, { signal });
 */
export async function put(target: Target, remotePath: string, given: PutInput, opts: PutOptions & Partial<Omit<PartsOptions, 'onProgress'>> = {}): Promise<PutResult> {
  return putSeated(target, remotePath, given, opts);
}

// put() for one of putMany()'s targets, which over SCP replays the run's shared spool (`seat`) instead of spooling its own input.
export async function putSeated(target: Target, remotePath: string, given: PutInput, opts: PutOptions & Partial<Omit<PartsOptions, 'onProgress'>>, seat?: SharedSpoolSeat): Promise<PutResult> {
  target = oneRun(target); // run-target.ts: host keys and typed passwords are this call's
  try {
    return await putInput(target, remotePath, given, opts, seat);
  } catch (err) {
    // As a pipeline ends its streams: a producer writing into the input
    // (a child's stdout) gets EPIPE instead of blocking for ever on a stream no one reads.
    if (given instanceof Readable) given.destroy();
    throw err;
  }
}

async function putInput(target: Target, remotePath: string, given: PutInput, opts: PutOptions & Partial<Omit<PartsOptions, 'onProgress'>>, seat?: SharedSpoolSeat): Promise<PutResult> {
  checkCounts(opts);
  const input = spoolable(given, opts);
  if (opts.partSize !== undefined) {
    const name = remoteFileName(remotePath);
    const onProgress = opts.onProgress;
    const parts = await putParts(target, remotePath, input, {
      ...opts,
      partSize: opts.partSize,
      onProgress: onProgress && ((p) => onProgress({ name, phase: 'transfer', bytes: p.confirmed, parts: { produced: p.produced, inFlight: p.inFlight } })),
    });
    if (opts.verify) await readBackSet(target, parts, opts);
    return { bytes: parts.bytes, name, spooled: parts.onDisk ? 'disk' : 'memory', command: '', exit: { code: 0, signal: null }, parts, protocol: parts.protocol, sha256: parts.sha256 };
  }
  const conn = new Reconnector(target, opts.trace);
  try {
    const chosen = await chooseProtocol(conn.current().opener, opts.protocol ?? 'auto', opts.signal, opts.trace, opts.onProtocol);
    seat?.chose('session' in chosen ? 'sftp' : 'scp');
    if ('session' in chosen) {
      try {
        return await putSftp(conn, chosen, remotePath, input, opts);
      } finally {
        chosen.session.end(); // its channel: a caller's Client outlives this call
      }
    }
    const result = await sendOverChannel(conn.current().open, remotePath, input, opts, conn, seat);
    if (opts.verify) await readBackScp(conn, remotePath, result.name, result.bytes, result.sha256!, opts);
    const name = opts.name === undefined ? result.name : await scpStoredName(conn.current().open, remotePath, result.name, opts);
    return { ...result, name, protocolReason: chosen.reason };
  } catch (err) {
    throw asScpipeError(scpRefusalHint(err, opts.protocol));
  } finally {
    conn.close();
  }
}

/**
 * Sends `input` to `remotePath` through a channel that `open` starts with the
 * given command (a remote `scp -t`). Rejects with a ScpipeError.
 */
export function putOverChannel(open: OpenChannel, remotePath: string, given: PutInput, opts: PutOptions = {}, conn?: Reconnector): Promise<PutResult> {
  return sendOverChannel(open, remotePath, given, opts, conn);
}

// putOverChannel(), or for one of putMany()'s targets (`seat`): replaying the spool its SCP targets share instead of spooling `given`.
async function sendOverChannel(open: OpenChannel, remotePath: string, given: PutInput, opts: PutOptions, conn?: Reconnector, seat?: SharedSpoolSeat): Promise<PutResult> {
  throwIfAborted(opts.signal);
  const input = fitBuffer(spoolable(given, opts), opts);
  const name = remoteFileName(remotePath, opts.name);
  // `dir/` names a directory (--name gives the file): -d makes scp -t say a
  // missing one is missing, not "dir/: Is a directory".
  const command = remoteScpCommand('sink', remotePath, { ...opts, targetIsDirectory: remotePath.endsWith('/') });
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
    try {
      if (inner.signal.aborted) throw abortError(inner.signal);
      await source.start();
    } catch (err) {
      // Its channel too: no one else holds this source, and a caller's Client outlives the call.
      source.destroy();
      throw err;
    }
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
    } else inner.abort(asScpipeError(err)); // a plain Error as the reason would reach the user as "aborted"
  });
  // --no-clobber: asked beside the set-up and the spool; nothing is sent before it answers.
  const clear = opts.noClobber
    ? refuseExisting(open, remotePath, name, { ...opts, signal: inner.signal }).then(() => opts.trace?.(`--no-clobber: ${escapeForTerminal(remotePath)}: no file there yet`))
    : undefined;
  // Lost with the connection while a retry may follow: the look is made again before the header (below).
  clear?.catch((err: unknown) => (spoolRetries > 0 && isConnectionLoss(err) ? undefined : inner.abort(asScpipeError(err))));
  // A name too long for the remote: said now, not after the whole stream is spooled.
  const file = remotePath.endsWith('/') ? `${remotePath}${name}` : remotePath;
  const fits = refuseTooLong(open, whyTooLong(file) === undefined && opts.name !== undefined ? `${remotePath}/${name}` : file, role);
  fits.catch((err: unknown) => inner.abort(asScpipeError(err)));

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
    const onSpill = (spill: Spill): void => {
      opts.trace?.(describeSpill(spill, opts.memoryLimit ?? DEFAULT_MEMORY_LIMIT));
      opts.onSpill?.(spill);
    };
    const onProgress = (bytes: bigint): void => opts.onProgress?.({ name, phase: 'spool', bytes });
    if (known === undefined && seat) {
      spooled = await seat.take({ signal: inner.signal, onSpill, onProgress });
    } else if (known === undefined) {
      const { memoryLimit, spoolDir, memoryDir } = opts;
      spooled = await spool(input as Exclude<PutInput, Uint8Array>, { memoryLimit, spoolDir, memoryDir, signal: inner.signal, onSpill, onProgress });
    }
    spooling = false;
    unwatch();
    const size = spooled ? spooled.size : known!;
    // The whole file is sent again after reconnecting (retry.ts), from what
    // can give it again; a stream of known size went as it came.
    const again = spooled ? () => spooled!.replay() : input instanceof Uint8Array ? () => oneChunk(input) : opts.reread;
    const retries = again && conn?.canReconnect ? opts.retries ?? DEFAULT_RETRIES : 0;
    let headerTried = false; // an attempt began to send: what is there may be our own partial file
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
          if (attempt === 0) await Promise.all([clear, fits]);
          // A spool takes as long as its producer: asked again just before the
          // header, so a file another run made meanwhile is not replaced either;
          // again on a retry that nothing of ours was sent before (lost while spooling or looking).
          if (clear && !headerTried && (spooled || attempt > 0)) await refuseExisting(conn?.current().open ?? open, remotePath, name, role);
          headerTried = true;
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
    if (seat) seat.done(); // the spool is the run's: removed once its last SCP target is done
    else await spooled?.dispose();
  }
}
