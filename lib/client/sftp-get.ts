// get over SFTP: open the file, take its size, mode and times from the open
// handle's fstat, and read it with the pipelined ordered reader
// (sftp/reader.ts) into the body, in order, with backpressure: the reader
// asks for more only as the consumer takes it. Exactly the fstat size: a
// file that shrinks is an error. Further channels (chosen from the round
// trip, or --parallel) open the same path and must see the same size and
// mtime, or they are not used (the file was replaced between the opens).
import { posix } from 'node:path';
import { ScpipeError, abortError } from '../errors';
import type { ExitStatus } from '../protocol/channel';
import { chooseLanes } from '../sftp/lanes';
import { readOrdered, type ReadLane } from '../sftp/reader';
import type { SftpSession } from '../sftp/session';
import { escapeForTerminal } from '../util/escape';
import { BodyStream } from './body-stream';
import type { Download, GetOptions } from './get';
import type { Reconnector } from './reconnect';
import { sftpPath } from './sftp-paths';
import { openLanes } from './sftp-lanes';

/** Bytes requested ahead per channel: the 2 MiB window and the server's queue. */
export const READ_AHEAD_PER_LANE = 4 * 1024 * 1024;

/** Starts downloading `remotePath` over SFTP on `first` (the session auto/sftp opened). */
export async function getSftp(conn: Reconnector, first: { session: SftpSession }, remotePath: string, opts: GetOptions = {}): Promise<Download> {
  const log = opts.trace;
  const path = sftpPath(remotePath);
  const name = posix.basename(path);
  if (path.endsWith('/') || name === '.' || name === '..' || name === '') {
    throw new ScpipeError('ERR_USAGE', `"${escapeForTerminal(remotePath)}" does not name a file`);
  }
  const session = first.session;
  const handle = await session.open(path, 'r');
  const st = await session.fstat(handle, path);
  if (!st.isFile()) {
    await session.close(handle, path).catch(() => undefined);
    throw new ScpipeError('ERR_REMOTE', `${escapeForTerminal(path)}: ${st.isDirectory() ? 'is a directory' : 'not a regular file'}`, { path });
  }
  const size = st.size;
  const signal = opts.signal ?? new AbortController().signal;
  const rtt = opts.parallel === undefined ? await session.roundTripMs() : undefined;
  const wanted = opts.parallel ?? chooseLanes(rtt!);
  const lanes: ReadLane[] = [{ session, handle }];
  for (const lane of await openLanes(conn.current().opener, path, wanted - 1, signal, log, 'r')) {
    const again = await lane.session.fstat(lane.handle, path).catch(() => undefined);
    if (again && again.size === size && again.mtime === st.mtime) lanes.push(lane);
    else {
      log?.(`sftp: ${escapeForTerminal(path)} changed between opens: not reading it over a further channel`);
      lane.session.end();
    }
  }
  const { maxRead } = lanes.map((l) => l.session.limits).reduce((a, b) => (a.maxRead <= b.maxRead ? a : b));
  log?.(`sftp: reading ${size} bytes over ${lanes.length} channel(s)${rtt === undefined ? ' (--parallel)' : ` for a round trip of ${rtt.toFixed(2)} ms`}, reads of ${maxRead} bytes`);

  const body = new BodyStream();
  const done = (async (): Promise<ExitStatus> => {
    const stop = (): void => void body.destroy(abortError(opts.signal));
    signal.addEventListener('abort', stop, { once: true });
    try {
      let received = 0;
      for await (const chunk of readOrdered(lanes, size, { path, pieceSize: maxRead, maxInFlight: READ_AHEAD_PER_LANE * lanes.length })) {
        if (body.destroyed) throw signal.aborted ? abortError(signal) : new ScpipeError('ERR_LOCAL_IO', 'the download was not read to its end');
        received += chunk.length;
        opts.onProgress?.({ name, phase: 'transfer', bytes: BigInt(received), total: BigInt(size) });
        await body.write(chunk);
      }
      await Promise.all(lanes.map((l) => l.session.close(l.handle, path).catch(() => undefined)));
      body.finish();
      return { code: 0, signal: null };
    } catch (err) {
      const e = signal.aborted ? abortError(signal) : err;
      body.destroy(e as Error);
      throw e;
    } finally {
      signal.removeEventListener('abort', stop);
      for (const l of lanes) l.session.end();
    }
  })();
  done.catch(() => undefined); // the body carries the error too
  const times = opts.preserve ? { mtime: BigInt(st.mtime), mtimeUsec: 0, atime: BigInt(st.atime), atimeUsec: 0 } : undefined;
  return { name, size: BigInt(size), mode: st.mode & 0o7777, times, body, done, protocol: 'sftp' };
}
