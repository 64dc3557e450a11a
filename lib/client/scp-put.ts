// An upload to a remote `scp -t` over a channel: the spool (pass 1) while
// the channel opens, then exactly the measured bytes (pass 2), with retries
// over a new channel after a lost connection. put() chooses it where SCP is
// the protocol; a parts set sends each part with it.
import { Readable } from 'node:stream';
import { ScpipeError, abortError, asScpipeError, isScpipeError, throwIfAborted, withMessage } from '../errors';
import { remoteScpCommand } from '../protocol/command';
import { ScpSource } from '../protocol/source';
import type { ScpChannel } from '../protocol/channel';
import { startTimeout } from '../protocol/first-reply';
import { DEFAULT_MEMORY_LIMIT, DescriptorInput, spool, type Spill, type Spool } from '../spool';
import { escapeForTerminal } from '../util/escape';
import type { OpenChannel } from './connection';
import { Reconnector, isConnectionLoss } from './reconnect';
import { DEFAULT_RETRIES, markRetriesSpent, withRetries } from './retry';
import { remoteFileName } from './remote-name';
import { spoolable, type PutInput, type PutOptions, type PutResult } from './put-types';
import { linkedController } from '../util/abort';
import { refuseExisting, refuseTooLong } from './scp-exists';
import { whyTooLong } from '../protocol/name-max';
import type { SharedSpoolSeat } from './shared-spool';
import { describeSpill, fitBuffer, oneChunk, preferCause, sendTo } from './scp-send';
import { withMissingDirectory } from './missing-directory';

/**
 * Sends `input` to `remotePath` through a channel that `open` starts with the
 * given command (a remote `scp -t`). Rejects with a ScpipeError.
 */
export function putOverChannel(open: OpenChannel, remotePath: string, given: PutInput, opts: PutOptions = {}, conn?: Reconnector): Promise<PutResult> {
  return sendOverChannel(open, remotePath, given, opts, conn);
}

// putOverChannel(), or for one of putMany()'s targets (`seat`): replaying the spool its SCP targets share instead of spooling `given`.
export async function sendOverChannel(open: OpenChannel, remotePath: string, given: PutInput, opts: PutOptions, conn?: Reconnector, seat?: SharedSpoolSeat): Promise<PutResult> {
  throwIfAborted(opts.signal);
  const input = fitBuffer(spoolable(given, opts), opts);
  // `dir/` names a directory (--name gives the file): -d makes scp -t say a
  // missing one is missing, not "dir/: Is a directory". First: a path with a newline is said whole.
  const command = remoteScpCommand('sink', remotePath, { ...opts, targetIsDirectory: remotePath.endsWith('/') });
  const name = remoteFileName(remotePath, opts.name);
  const known = input instanceof Uint8Array ? BigInt(input.length) : opts.size;
  if (known !== undefined && input instanceof DescriptorInput) {
    // Its reader is the spool thread; a stream of known size needs none.
    throw new ScpipeError('ERR_USAGE', 'a file descriptor is spooled: with a known size, pass a Readable (e.g. process.stdin)');
  }

  // One controller for both passes: whichever fails first stops the other.
  const { controller: inner, unlink } = linkedController(opts.signal);
  const role = { ...opts, signal: inner.signal };
  // A remote that never sends scp -t's first \0 is not scp: said, not waited on for good.
  const sourceOn = (channel: ScpChannel): ScpSource => new ScpSource(channel, { ...role, firstReply: { ms: startTimeout(channel), command } });
  const sourceReady = (async () => {
    const source = sourceOn(await open(command, inner.signal, 'sink'));
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
  let lostBeforeStart: ScpipeError | undefined; // the same, once the input was in: retried below
  let spooling = known === undefined;
  const firstGeneration = conn?.current().generation ?? 0;
  sourceReady.catch((err: unknown) => {
    // Made and lost before the remote scp answered (while it started, or
    // the channel opened): nothing was sent, so this is a loss while
    // spooling too, not a failed connect.
    const lost = isScpipeError(err, 'ERR_LOST_CONNECTION') && isConnectionLoss(err);
    if (lost && spooling && spoolRetries > 0) {
      lostWhileSpooling ??= err;
      opts.trace?.(`${err.message}; will reconnect once the input is spooled`);
    } else if (lost && !spooling && conn?.canReconnect) lostBeforeStart = err;
    else inner.abort(asScpipeError(err)); // a plain Error as the reason would reach the user as "aborted"
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
    const again = sourceOn(await conn!.current().open(command, inner.signal, 'sink'));
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
    // A stream of known size that cannot be read again is untouched until the
    // remote scp answers its header (source.ts sendFile): a loss before its
    // first read is retried too, one after it not.
    let streamTaken = false;
    const untilRead = (body: Readable | AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> => ({
      [Symbol.asyncIterator]: () => {
        streamTaken = true;
        return body[Symbol.asyncIterator]();
      },
    });
    const retries = conn?.canReconnect ? opts.retries ?? DEFAULT_RETRIES : 0;
    let headerTried = false; // an attempt began to send: what is there may be our own partial file
    const sent = await withRetries(
      async (attempt) => {
        if (attempt === 0 && lostWhileSpooling && !connected) {
          conn?.renew(firstGeneration); // the remote scp never answered: no source to close
          throw lostWhileSpooling;
        }
        // Lost before the remote scp answered: the next attempt connects anew.
        const firstSource = (): Promise<ScpSource> => sourceReady.catch((err: unknown) => {
          if (err === lostBeforeStart) conn?.renew(firstGeneration);
          throw err;
        });
        source = attempt === 0 ? await firstSource() : await reopened();
        const generation = conn?.current().generation ?? 0;
        try {
          if (attempt === 0 && lostWhileSpooling) throw lostWhileSpooling; // nothing sent: the stage it was lost in
          if (attempt === 0) await Promise.all([clear, fits]);
          // A spool takes as long as its producer: asked again just before the
          // header, so a file another run made meanwhile is not replaced either;
          // again on a retry that nothing of ours was sent before (lost while spooling or looking).
          if (clear && !headerTried && (spooled || attempt > 0)) await refuseExisting(conn?.current().open ?? open, remotePath, name, role);
          headerTried = true;
          const first = !streamTaken && !spooled && !(input instanceof Uint8Array);
          const body = first ? untilRead(input as Readable | AsyncIterable<Uint8Array>) : again!();
          return await sendTo(source, name, size, body, !first, opts, remotePath.endsWith('/') ? `${remotePath}${name}` : remotePath);
        } catch (err) {
          source.destroy();
          if (isConnectionLoss(err)) conn?.renew(generation);
          // None could be made: a stream of known size went as it came, and nothing of it is kept to send again.
          if (streamTaken && !again) throw markRetriesSpent(retries > 0 && isConnectionLoss(err) ? notResent(err) : err);
          throw err;
        }
      },
      { retries, backoffMs: opts.backoffMs, isRetryable: (err) => (again !== undefined || !streamTaken) && (connected || err === lostWhileSpooling || err === lostBeforeStart) && isConnectionLoss(err), signal: opts.signal, onRetry: opts.onRetry },
    );
    return { bytes: size, name, spooled: spooled ? (spooled.onDisk ? 'disk' : 'memory') : 'none', command, exit: sent.exit, protocol: 'scp', sha256: sent.sha256 };
  } catch (err) {
    spooling = false;
    unwatch();
    inner.abort(err);
    const s = source ?? (await sourceReady.catch(() => undefined));
    s?.destroy();
    throw withMissingDirectory(preferCause(err, opts.signal), file);
  } finally {
    unlink();
    if (seat) seat.done(); // the spool is the run's: removed once its last SCP target is done
    else await spooled?.dispose();
  }
}

/** A loss `--retries` could not mend, said as such, so the user who gave them is not left to wonder why none was made. */
function notResent(err: unknown): ScpipeError {
  const from = asScpipeError(err);
  return withMessage(from, `${from.message}; not retried: a stream of a given size (--size) is sent as it comes, and nothing of it is kept to send again`);
}
