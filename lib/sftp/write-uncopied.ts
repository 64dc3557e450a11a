// SFTP write requests without ssh2's copy. ssh2's write() copies the data
// of every request into a fresh buffer behind its header, and framing it
// into channel packets copies it again: on a 1 GiB upload that is 1 GiB of
// fresh buffers for the collector (docs/performance.md §4). Here the header
// goes out as a payload of its own and the caller's data as the next, so
// only the packets copy it. Same wire bytes, same request bookkeeping
// (`_requests`, `_writeReqid`), same flow control as ssh2's own sending
// (lib/protocol/SFTP.js tryWritePayload and drainBuffer, ssh2 1.x): what the
// channel window does not take waits in `_buffer`, in order, until a window
// adjust drains it. These are ssh2's internals, so they are checked first;
// where they differ, the caller uses ssh2's write().
//
// The caller must not change `data` until the request is answered (the
// data may wait in `_buffer` until the window opens).

const SSH_FXP_WRITE = 6;

/** The parts of ssh2's SFTP client this relies on. */
interface Internals {
  _requests: Record<number, { cb?: (err?: Error, ...reply: any[]) => void; extended?: string }>;
  _writeReqid: number;
  _maxWriteLen: number;
  _buffer: Buffer[];
  _waitWindow: boolean;
  _chunkcb: (() => void) | undefined;
  outgoing: { id: number; state: string; window: number; packetSize: number };
  _protocol: { channelData(id: number, data: Buffer): void };
}

function internalsOf(raw: unknown): Internals | undefined {
  const s = raw as Partial<Internals> | null;
  const ok =
    s !== null &&
    typeof s === 'object' &&
    typeof s._requests === 'object' && s._requests !== null &&
    typeof s._writeReqid === 'number' &&
    typeof s._maxWriteLen === 'number' &&
    Array.isArray(s._buffer) &&
    typeof s._waitWindow === 'boolean' &&
    typeof s.outgoing?.window === 'number' &&
    typeof s.outgoing.packetSize === 'number' &&
    typeof s._protocol?.channelData === 'function';
  return ok ? (s as Internals) : undefined;
}

/**
 * Sends SSH_FXP_WRITE of `data` at `position` on `handle` and calls `cb`
 * with its status (undefined for OK) and any other reply, as ssh2's write() would. Returns
 * false, having sent nothing, where ssh2's internals are not as expected or
 * `data` is longer than one request may be: the caller then uses write().
 */
export function writeUncopied(raw: unknown, handle: Buffer, data: Buffer, position: number, cb: (err?: Error, reply?: unknown) => void): boolean {
  const s = internalsOf(raw);
  if (s === undefined || data.length === 0 || data.length > s._maxWriteLen) return false;
  const header = Buffer.allocUnsafe(4 + 1 + 4 + 4 + handle.length + 8 + 4);
  const reqid = (s._writeReqid = (s._writeReqid + 1) >>> 0);
  let p = header.writeUInt32BE(header.length - 4 + data.length, 0);
  p = header.writeUInt8(SSH_FXP_WRITE, p);
  p = header.writeUInt32BE(reqid, p);
  p = header.writeUInt32BE(handle.length, p);
  p += handle.copy(header, p);
  p = header.writeUInt32BE(Math.floor(position / 2 ** 32), p);
  p = header.writeUInt32BE(position >>> 0, p);
  header.writeUInt32BE(data.length, p);
  s._requests[reqid] = { cb: (err?: Error, reply?: unknown) => cb(err, reply) }; // a reply other than STATUS is the session's to refuse
  send(s, header);
  send(s, data);
  return true;
}

/**
 * Sends one request that ssh2 has no working method for: `build` gets the
 * request id and returns the whole packet; `cb` hears the answer as ssh2
 * hands it to its own methods (an error, or a NAME reply's entries). False,
 * having sent nothing, where ssh2's internals are not as expected.
 */
export function sendRequest(raw: unknown, build: (reqid: number) => Buffer, cb: (err?: Error, ...reply: any[]) => void, extended?: string): boolean {
  const s = internalsOf(raw);
  if (s === undefined) return false;
  const reqid = (s._writeReqid = (s._writeReqid + 1) >>> 0);
  // `extended`: the extension whose EXTENDED_REPLY ssh2 is to parse (statvfs@openssh.com).
  s._requests[reqid] = extended === undefined ? { cb } : { cb, extended };
  send(s, build(reqid));
  return true;
}

// Queues behind what already waits, else sends what the window takes now.
function send(s: Internals, payload: Buffer): void {
  if (s.outgoing.state !== 'open') return; // as ssh2: the channel's end fails the request
  if (s._buffer.length > 0) {
    s._buffer.push(payload);
    return;
  }
  const rest = trySend(s, payload);
  if (rest !== undefined) s._buffer.push(rest);
}

// Sends as much of `payload` as the window allows, in packets of at most the
// peer's size; returns what is left. At a spent window, the next adjust
// calls drain().
function trySend(s: Internals, payload: Buffer): Buffer | undefined {
  let p = 0;
  while (p < payload.length && s.outgoing.window > 0) {
    const n = Math.min(payload.length - p, s.outgoing.window, s.outgoing.packetSize);
    s.outgoing.window -= n;
    s._protocol.channelData(s.outgoing.id, p === 0 && n === payload.length ? payload : payload.subarray(p, p + n));
    p += n;
  }
  if (s.outgoing.window === 0) {
    s._waitWindow = true;
    s._chunkcb = drain;
  }
  if (p === payload.length) return undefined;
  return p === 0 ? payload : payload.subarray(p);
}

// Called by ssh2 (as the channel's `_chunkcb`) once the window was adjusted.
function drain(this: Internals): void {
  this._chunkcb = undefined;
  const queue = this._buffer;
  for (let i = 0; i < queue.length; i++) {
    const rest = trySend(this, queue[i]!);
    if (rest !== undefined) {
      this._buffer = [rest, ...queue.slice(i + 1)];
      return;
    }
  }
  this._buffer = [];
}
