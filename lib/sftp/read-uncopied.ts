// read() without ssh2's copy of each reply (docs/performance.md §3).
import type { SFTPWrapper } from 'ssh2';
import { SFTP_STATUS } from './status';
import { wrongKind } from './reply-kinds';

/** A request's callback, as ssh2 calls it. */
export type Done<T> = (err: Error | undefined | null, value?: T) => void;

// ssh2 copies each reply's data into the buffer given to read(). Where its
// internals are as expected (`_requests`, `_writeReqid`: the request just
// made, with that buffer), the request is left without one, and ssh2 hands
// over the data as a slice of the reply it has just decrypted into fresh
// memory: one copy of every downloaded byte less (docs/performance.md §3).
// A reply longer than asked, or not DATA (a STATUS OK, a NAME), is a broken
// server (`broken`): OpenSSH's sftp stops at both ("Received more data than
// asked for", "Expected SSH2_FXP_DATA"). The first read checks
// the internals with a buffer of its own; once they are known to fit,
// reads pass one shared buffer that nothing writes to.
let uncopied: boolean | undefined;
let unwritten = Buffer.alloc(0);

/**
 * Reads `length` bytes at `position` into `done`, as ssh2's read() would, one copy fewer where its internals allow.
 * `sent`: told the request's id, where the reply's data is handed over as ssh2 joined it.
 * `broken`: told why when the reply holds more than `length` bytes (where ssh2 copies, it cuts the rest unseen) or is no DATA; `path` names the file in that.
 */
export function readUncopied(raw: SFTPWrapper, handle: Buffer, length: number, position: number, done: Done<Buffer>, sent?: (reqid: number) => void, broken?: (why: string) => void, path = ''): void {
  if (uncopied && unwritten.length < length) unwritten = Buffer.allocUnsafeSlow(length);
  const buf = uncopied ? unwritten : Buffer.allocUnsafe(length);
  raw.read(handle, buf, 0, length, position, (err: Error | undefined, n: number) => done(err, buf.subarray(0, n ?? 0)));
  const internals = raw as unknown as { _requests?: Record<number, { buffer?: unknown; cb?: unknown }>; _writeReqid?: number };
  const req = typeof internals._writeReqid === 'number' ? internals._requests?.[internals._writeReqid] : undefined;
  const fits = req !== undefined && Buffer.isBuffer(req.buffer) && req.buffer.buffer === buf.buffer && req.buffer.length === length && typeof req.cb === 'function';
  if (!fits) {
    if (uncopied) throw new Error('ssh2 read request not where it was: not reading into a shared buffer');
    uncopied = false;
    return;
  }
  uncopied = true;
  req.buffer = undefined;
  sent?.(internals._writeReqid!);
  req.cb = (err: (Error & { code?: unknown }) | undefined, data?: Buffer) => {
    if (err) done(err.code === SFTP_STATUS.EOF ? undefined : err, Buffer.alloc(0));
    else if (Buffer.isBuffer(data) && data.length > length && broken) {
      broken(`a read of ${length} bytes at ${position} answered with ${data.length}, more than asked for`);
      done(new Error('read reply longer than asked'));
    } else if (!Buffer.isBuffer(data) && broken) {
      broken(wrongKind(`read at ${position}`, path, 'DATA', data));
      done(new Error('read reply not DATA'));
    } else done(undefined, Buffer.isBuffer(data) ? data.subarray(0, length) : Buffer.alloc(0));
  };
}
