// The pipelined ordered reader for get: read requests of the server's read
// size at increasing offsets, up to `maxInFlight` bytes outstanding, spread
// over the lanes (sessions with a handle each on the same file), and the
// bytes handed on strictly in order, so memory is bounded by what is in
// flight. Exactly `size` bytes (the fstat of the open handle): a read that
// comes back short is followed by one for the rest; end of file before
// `size` is an error, never a short stream.
import { ScpipeError } from '../errors';
import { escapeForTerminal } from '../util/escape';
import type { ReplyPool } from './reply-pool';
import type { SftpSession } from './session';

/** An SFTP session with an open handle on the file being read. */
export interface ReadLane {
  session: SftpSession;
  handle: Buffer;
}

/** Options of readOrdered(). */
export interface ReaderOptions {
  path: string;
  /** Where to start (a resumed download). */
  start?: number;
  /** Request size (the smallest of the lanes' max read). */
  pieceSize: number;
  /** Bytes requested and not yet handed on. */
  maxInFlight: number;
  /**
   * Also ask for a byte past `size` (pipelined with the last reads): the file
   * must end there. A file that grew while read, or a server whose fstat
   * undercounts, is then an error instead of a silently cut copy.
   */
  checkEnd?: boolean;
  /** Replies joined into buffers of this pool; the consumer gives each chunk back once written (reply-pool.ts). */
  pool?: ReplyPool;
}

interface Request {
  offset: number;
  length: number;
  data: Promise<Buffer>;
}

/** Yields the bytes [start, size) of the file in order. */
export async function* readOrdered(lanes: ReadLane[], size: number, opts: ReaderOptions): AsyncGenerator<Buffer> {
  const queue: Request[] = [];
  let next = opts.start ?? 0;
  let lane = 0;
  let outstanding = 0;
  let endAsked = !opts.checkEnd;
  const issue = (offset: number, length: number, expected = length): Request => {
    const l = lanes[lane++ % lanes.length]!;
    const data = l.session.read(l.handle, length, offset, opts.path, opts.pool);
    data.catch(() => undefined); // awaited in order below; a later one may fail first
    return { offset, length: expected, data };
  };
  try {
    for (;;) {
      while (next < size && outstanding < opts.maxInFlight) {
        const length = Math.min(opts.pieceSize, size - next);
        queue.push(issue(next, length));
        next += length;
        outstanding += length;
      }
      if (next >= size && !endAsked) {
        queue.push(issue(size, 1, 0)); // length 0: nothing is expected
        endAsked = true;
      }
      const head = queue.shift();
      if (!head) return;
      const data = await head.data;
      outstanding -= head.length;
      if (head.length === 0) {
        if (data.length === 0) continue;
        throw new ScpipeError('ERR_REMOTE', `${escapeForTerminal(opts.path)}: the file is longer than the ${size} bytes its size said (it grew while being read)`, {
          path: opts.path,
          bytes: BigInt(size),
        });
      }
      if (data.length === 0) {
        throw new ScpipeError('ERR_REMOTE', `${escapeForTerminal(opts.path)}: the file ended at ${head.offset} of ${size} bytes (it shrank while being read)`, {
          path: opts.path,
          bytes: BigInt(head.offset),
        });
      }
      if (data.length < head.length) {
        // A short read: ask for the rest before anything after it.
        const rest = issue(head.offset + data.length, head.length - data.length);
        queue.unshift(rest);
        outstanding += rest.length;
      }
      yield data;
    }
  } finally {
    queue.length = 0; // answers still coming are dropped with their sessions
  }
}
