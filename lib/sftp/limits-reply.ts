// The reply to limits@openssh.com, which ssh2 asks for by itself as it reads
// the server's VERSION, before scpipe holds the session: ssh2 hands its
// callback whatever comes with the request's id, so a STATUS OK made it
// throw a TypeError (reported as a lost connection, and retried), and a
// HANDLE, NAME, DATA or ATTRS went unseen (its own guesses kept). The guard
// wraps the SFTP object's push() before any byte arrives and, until that
// reply is in, hands ssh2 one whole packet at a time: after the VERSION it
// finds ssh2's request (its entry in `_requests`) and so knows the id and the
// type of the reply before ssh2 reads it. A wrong reply is an ERR_PROTOCOL
// emitted as the session's 'error' (what ssh2's opening waits on); the rest
// of the channel is dropped. After the reply, push() is ssh2's own again;
// an error after ssh2's 'ready' waits for the session (early-errors.ts).
import type { EventEmitter } from 'node:events';
import { ScpipeError } from '../errors';
import { escapeForTerminal } from '../util/escape';
import { holdEarlyErrors } from './early-errors';
import { REPLY_TYPE } from './reply-kinds';

const HEAD = 9; // uint32 length, byte type, uint32 request id (or VERSION's version)
const LIMITS_BODY = 4 * 8; // four uint64
const MAX_PACKET = 256 * 1024; // ssh2's own bound: a longer one it refuses itself
const NAMES = new Map(Object.entries(REPLY_TYPE).map(([kind, type]) => [type, kind === 'EXTENDED' ? 'EXTENDED_REPLY' : kind]));

/** What ssh2's callback for limits@openssh.com is given: the four values, or nothing for a STATUS OK. */
export type Stated = { maxPktLen?: number; maxReadLen?: number; maxWriteLen?: number; maxOpenHandles?: number } | undefined;
type LimitsCb = (err: (Error & { code?: unknown }) | undefined, limits?: Stated) => void;

interface Ssh2Sftp {
  push(data: Buffer | null): unknown;
  emit(event: 'error', err: Error): boolean;
  destroy(): void;
  _version?: number;
  _requests?: Record<string, { extended?: unknown; cb?: LimitsCb }>;
}

/** What is done with an answer that reaches ssh2: a failure (a STATUS) seen, or the values, amended. */
export type OnLimits = (err: (Error & { code?: unknown }) | undefined, stated: Stated) => Stated;

/**
 * Guards the limits@openssh.com reply of `raw`, an ssh2 SFTP object no byte
 * has reached yet; `onLimits` is given each answer that reaches ssh2.
 * Does nothing where ssh2's internals differ.
 */
export function guardLimitsReply(raw: unknown, onLimits: OnLimits): void {
  const sftp = raw as Ssh2Sftp;
  if (typeof sftp.push !== 'function' || sftp._version !== -1 || typeof sftp._requests !== 'object') return;
  holdEarlyErrors(raw as EventEmitter);
  const push = sftp.push.bind(sftp);
  let held: Buffer = Buffer.alloc(0);
  let limitsId: number | undefined;
  let state: 'version' | 'reply' | 'through' | 'dead' = 'version';
  const now = (): typeof state => state; // the callbacks change it under the loop below

  const wrong = (why: string): void => {
    state = 'dead';
    held = Buffer.alloc(0);
    const err = new ScpipeError('ERR_PROTOCOL', `SFTP protocol error from the server: ${escapeForTerminal(why)}`);
    sftp.emit('error', err);
    sftp.destroy();
  };
  // ssh2 has read the VERSION: its request for the limits, if it made one, is in `_requests`.
  const afterVersion = (): void => {
    const entry = Object.entries(sftp._requests ?? {}).find(([, req]) => req?.extended === 'limits@openssh.com');
    if (entry === undefined || typeof entry[1].cb !== 'function') return void (state = 'through');
    const [id, req] = entry;
    const cb = req.cb!;
    limitsId = Number(id);
    state = 'reply';
    req.cb = (err, limits) => {
      if (state === 'dead') return; // the channel's end after a wrong reply: ssh2 would say 'ready'
      if (!err && (typeof limits !== 'object' || limits === null)) return wrong('it answered limits@openssh.com with a STATUS OK, not its limits');
      cb(err, onLimits(err, err ? undefined : limits));
    };
  };
  // A packet's head, once ssh2 asked for the limits: anything but its answer (a STATUS or a whole EXTENDED_REPLY) is refused.
  const refusal = (length: number, type: number, id: number): string | undefined => {
    if (id !== limitsId) return `a reply to request ${id}, which is not outstanding (limits@openssh.com is)`;
    if (type === REPLY_TYPE.STATUS) return undefined;
    if (type !== REPLY_TYPE.EXTENDED) return `it answered limits@openssh.com with ${NAMES.get(type) ?? `a packet of type ${type}`}, not an EXTENDED_REPLY`;
    if (length < 1 + 4 + LIMITS_BODY) return `it answered limits@openssh.com with an EXTENDED_REPLY of ${length - 5} bytes, not its four values (${LIMITS_BODY} bytes)`;
    return undefined;
  };

  sftp.push = (data: Buffer | null): unknown => {
    if (data === null || state === 'through') return push(data);
    if (state === 'dead') return undefined;
    held = held.length === 0 ? data : Buffer.concat([held, data]);
    let result: unknown;
    while (now() === 'version' || now() === 'reply') {
      if (held.length < HEAD) return result;
      const length = held.readUInt32BE(0);
      if (length > MAX_PACKET || length === 0) break; // ssh2 refuses it itself
      if (state === 'reply') {
        const why = refusal(length, held[4]!, held.readUInt32BE(5));
        if (why !== undefined) return void wrong(why);
      }
      if (held.length < 4 + length) return result;
      const packet = held.subarray(0, 4 + length);
      held = held.subarray(4 + length);
      const before = state;
      result = push(packet);
      if (result === false) break; // ssh2 refused it and closes: what came with it goes, as ssh2 would drop it
      if (before === 'reply' && now() === 'reply') state = 'through';
      else if (before === 'version' && now() === 'version' && sftp._version !== -1) afterVersion();
    }
    if (now() === 'dead') return undefined;
    state = 'through';
    const rest = held;
    held = Buffer.alloc(0);
    return rest.length > 0 && result !== false ? push(rest) : result;
  };
}
