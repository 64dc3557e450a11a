// get over SFTP: open the file, take its size, mode and times from the open
// handle's fstat, and read it with the pipelined ordered reader
// (sftp/reader.ts) into the body, in order, with backpressure: the reader
// asks for more only as the consumer takes it. Exactly the fstat size: a
// file that shrinks is an error. Further channels (chosen from the round
// trip, or --parallel) open the same path and must see the same size and
// mtime, or they are not used (the file was replaced between the opens).
// A lost connection is resumed (sftp-resume.ts): the file is opened again
// on a new connection and read on from the first byte not yet handed on,
// so stdout gets every byte once; a file that changed meanwhile is an error.
import { posix } from 'node:path';
import type { Stats } from 'ssh2';
import { ScpipeError, abortError, asScpipeError } from '../errors';
import { Interrupt } from '../util/interrupt';
import type { ExitStatus } from '../protocol/channel';
import { chooseLanes } from '../sftp/lanes';
import { readOrdered, type ReadLane } from '../sftp/reader';
import { replyPool } from '../sftp/reply-pool';
import { SftpSession } from '../sftp/session';
import { escapeForTerminal } from '../util/escape';
import { BodyStream } from './body-stream';
import type { ChannelOpener } from './connection';
import type { Download, GetOptions } from './get-types';
import { isConnectionLoss, type Reconnector } from './reconnect';
import { reconnect } from './sftp-resume';
import { sftpPathOn } from './sftp-paths';
import { openLanes } from './sftp-lanes';

/** Bytes requested ahead per channel: the 2 MiB window and the server's queue. */
export const READ_AHEAD_PER_LANE = 4 * 1024 * 1024;

/** Starts downloading `remotePath` over SFTP on `first` (the session auto/sftp opened). */
export async function getSftp(conn: Reconnector, first: { session: SftpSession }, remotePath: string, opts: GetOptions = {}): Promise<Download> {
  const log = opts.trace;
  const path = await sftpPathOn(first.session, remotePath);
  const name = posix.basename(path);
  if (path.endsWith('/') || name === '.' || name === '..' || name === '') {
    // `get vault:backups/` is a look for what is there: a directory is said as one, as without the slash and over SCP, and the CLI says how its sets are found.
    const st = await first.session.stat(path).catch(() => undefined);
    if (st?.isDirectory()) throw notAFile(path.replace(/(.)\/+$/, '$1'), st);
    throw new ScpipeError('ERR_USAGE', `"${escapeForTerminal(remotePath)}" does not name a file`);
  }
  const session = first.session;
  const on = { generation: conn.current().generation }; // the connection `first` is on (sftp-resume.ts)
  // A server stuck in a request (an open(2) of a FIFO blocks sftp-server for
  // good) must not hold up an abort.
  const interrupt = new Interrupt(opts.signal);
  let handle: Buffer;
  let st: Stats;
  let real: string | undefined;
  try {
    // Looked at before it is opened: OpenSSH's sftp-server would block in
    // the open of a FIFO with no writer, and its whole session with it.
    const named = await interrupt.race(session.stat(path));
    if (!named.isFile()) throw notAFile(path, named);
    handle = await interrupt.race(session.open(path, 'r'));
    st = await interrupt.race(session.fstat(handle, path));
    // --resume: the kept file is named by where the file is, however its path was spelled.
    if (opts.resumeFile !== undefined) real = await interrupt.race(session.realpath(path)).catch((err: unknown) => {
        // Only a server that gives none falls back to the path as spelled: a lost session
        // would have the kept file of the real path removed as another path's.
        if (opts.signal?.aborted || isConnectionLoss(err)) throw err;
        return undefined;
      });
  } finally {
    interrupt.dispose();
  }
  if (!st.isFile()) {
    await session.close(handle, path).catch(() => undefined);
    throw notAFile(path, st);
  }
  const size = st.size;
  const signal = opts.signal ?? new AbortController().signal;
  // --resume: the bytes kept from an earlier run of this version of the file are not read again.
  let resumed;
  try {
    resumed = await opts.resumeFile?.({ size: BigInt(size), mtime: st.mtime, path, real });
  } catch (err) {
    await session.close(handle, path).catch(() => undefined);
    throw err;
  }
  const from = Number(resumed?.bytes ?? 0n);
  const rtt = opts.parallel === undefined ? await session.roundTripMs() : undefined;
  // No more channels than the file has reads: one that reads nothing still
  // opens the file, and a server logs it as a download of 0 bytes.
  const reads = Math.max(1, Math.ceil((size - from) / maxRead([{ session, handle }])));
  const wanted = Math.min(opts.parallel ?? chooseLanes(rtt!), reads);
  let lanes: ReadLane[] = [{ session, handle }, ...(await moreLanes(conn.current().opener, path, st, wanted - 1, signal, log))];
  log?.(`sftp: reading ${size - from} bytes${from > 0 ? ` from byte ${from}` : ''} over ${lanes.length} channel(s)${rtt === undefined ? ' (--parallel)' : ` for a round trip of ${rtt.toFixed(2)} ms`}, reads of ${maxRead(lanes)} bytes`);

  // Given back, one chunk at a time in the body: a Readable read while it
  // holds more joins them into a copy, which is never given back.
  const body = new BodyStream(opts.reuseChunks ? 1 : undefined);
  let whole = false; // every read answered, the end found at the size
  const done = (async (): Promise<ExitStatus> => {
    // Once the data is whole an abort ends the body as complete: only the close was awaited.
    const stop = (): void => void (whole ? body.finish() : body.destroy(abortError(opts.signal)));
    signal.addEventListener('abort', stop, { once: true });
    let received = from;
    const lent = { ...replyPool.counts };
    try {
      for (;;) {
        try {
          for await (const chunk of readOrdered(lanes, size, { path, start: received, pieceSize: maxRead(lanes), maxInFlight: READ_AHEAD_PER_LANE * lanes.length, checkEnd: true, pool: opts.reuseChunks ? replyPool : undefined })) {
            if (body.destroyed) throw signal.aborted ? abortError(signal) : new ScpipeError('ERR_LOCAL_IO', 'the download was not read to its end');
            received += chunk.length;
            opts.onProgress?.({ name, phase: 'transfer', bytes: BigInt(received), total: BigInt(size) });
            await body.write(chunk);
          }
          whole = true;
          if (opts.reuseChunks) log?.(`sftp: replies read into memory used again: ${replyPool.counts.reused - lent.reused}, into fresh memory: ${replyPool.counts.fresh - lent.fresh}`);
          break;
        } catch (err) {
          if (signal.aborted || body.destroyed || !isConnectionLoss(err)) throw err;
          for (const l of lanes) l.session.end();
          const at = received;
          lanes = await reconnect(conn, err as ScpipeError, { ...opts, signal }, (opener) => reopen(opener, path, st, at, wanted, signal, log), on, at);
        }
      }
      // Not waited for after an abort: the data is whole (a file output is then not renamed into place).
      const closing = new Interrupt(signal);
      try {
        closing.check();
        await closing.race(Promise.all(lanes.map((l) => l.session.close(l.handle, path).catch(() => undefined))));
      } finally {
        closing.dispose();
      }
      body.finish();
      return { code: 0, signal: null };
    } catch (err) {
      const e = signal.aborted ? abortError(signal) : asScpipeError(err);
      if (!(whole && signal.aborted)) body.destroy(e);
      throw e;
    } finally {
      signal.removeEventListener('abort', stop);
      for (const l of lanes) l.session.end();
    }
  })();
  done.catch(() => undefined); // the body carries the error too
  const times = opts.preserve ? { mtime: BigInt(st.mtime), mtimeUsec: 0, atime: BigInt(st.atime), atimeUsec: 0 } : undefined;
  return { name, size: BigInt(size), mode: st.mode & 0o7777, times, body, done, protocol: 'sftp', resumed };
}

function notAFile(path: string, st: Stats): ScpipeError {
  return new ScpipeError('ERR_REMOTE', `${escapeForTerminal(path)}: ${st.isDirectory() ? 'is a directory' : 'not a regular file'}`, { path });
}

// The smallest read limit of the lanes: every request must suit all of them.
function maxRead(lanes: ReadLane[]): number {
  return Math.min(...lanes.map((l) => l.session.limits.maxRead));
}

// The same file has the same size and mtime as at the first open.
function same(a: Stats, b: Stats): boolean {
  return a.size === b.size && a.mtime === b.mtime;
}

// Up to `count` further channels on `path`, those that see the file as `st` does.
async function moreLanes(opener: ChannelOpener, path: string, st: Stats, count: number, signal: AbortSignal, log?: (line: string) => void): Promise<ReadLane[]> {
  const lanes: ReadLane[] = [];
  for (const lane of (await openLanes(opener, path, count, signal, log, 'r')).lanes) {
    const again = await lane.session.fstat(lane.handle, path).catch(() => undefined);
    if (again && same(again, st)) lanes.push(lane);
    else {
      log?.(`sftp: ${escapeForTerminal(path)} changed between opens: not reading it over a further channel`);
      lane.session.end();
    }
  }
  return lanes;
}

// After a lost connection: the file opened again on the new one, unchanged, and the lanes to read on with.
async function reopen(opener: ChannelOpener, path: string, st: Stats, at: number, wanted: number, signal: AbortSignal, log?: (line: string) => void): Promise<ReadLane[]> {
  const session = await opener.sftpSession(signal);
  try {
    const handle = await session.open(path, 'r');
    const now = await session.fstat(handle, path);
    if (!same(now, st)) {
      throw new ScpipeError('ERR_REMOTE', `${escapeForTerminal(path)}: the file changed while the connection was down (${at} of ${st.size} bytes were read); not reading on`, { path, bytes: BigInt(at) });
    }
    log?.(`sftp: reading on from byte ${at}`);
    return [{ session, handle }, ...(await moreLanes(opener, path, st, wanted - 1, signal, log))];
  } catch (err) {
    session.end();
    throw err;
  }
}
