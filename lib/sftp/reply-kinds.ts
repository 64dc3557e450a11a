// What each SFTP request must be answered with (draft-ietf-secsh-filexfer-02
// §7). ssh2 hands a reply to the request of its id whatever the reply's type:
// a STATUS OK to an OPEN gave no handle, to a READDIR the end of the listing
// (a directory copied as empty, exit 0), a NAME to an FSTAT no size. OpenSSH's
// sftp stops at such a reply ("Expected SSH2_FXP_HANDLE(102) packet, got
// 101"); so does scpipe, with the same protocol error. What ssh2 hands over
// cannot tell a HANDLE from DATA, nor an EXTENDED_REPLY from a STATUS OK:
// reply-types.ts checks the packet's type itself.
import type { Stats } from 'ssh2';

/** The reply a request expects: HANDLE, ATTRS, a STATUS (OK or an error), NAME (a listing), DATA or EXTENDED (an EXTENDED_REPLY). */
export type ReplyKind = 'HANDLE' | 'ATTRS' | 'STATUS' | 'NAME' | 'DATA' | 'EXTENDED';

/** SSH_FXP_* reply types (draft-ietf-secsh-filexfer-02 §3), by the kind each is. */
export const REPLY_TYPE: Record<ReplyKind, number> = { STATUS: 101, HANDLE: 102, DATA: 103, NAME: 104, ATTRS: 105, EXTENDED: 201 };

/**
 * True when `value`, as ssh2 passed it to a request's callback with no error,
 * is a reply of `kind`. reply-types.ts lets a STATUS through to any request,
 * and ssh2 passes a STATUS OK as nothing: this is what refuses one where a
 * HANDLE, ATTRS or EXTENDED_REPLY is due (an OPEN, an FSTAT, a statvfs). Its
 * other answers count only where reply-types.ts could not hook into ssh2.
 */
export function fitsKind(kind: ReplyKind, value: unknown): boolean {
  switch (kind) {
    case 'HANDLE':
    case 'DATA':
      return Buffer.isBuffer(value);
    case 'ATTRS':
      return isStats(value);
    case 'STATUS':
      return value === undefined;
    case 'NAME':
      return Array.isArray(value);
    case 'EXTENDED':
      return typeof value === 'object' && value !== null && !Buffer.isBuffer(value) && !Array.isArray(value) && !isStats(value);
  }
}

/** Why a reply of the wrong kind is refused, naming the request, its path and, as near as ssh2 lets it be told, what came. */
export function wrongKind(what: string, path: string, kind: ReplyKind, value: unknown): string {
  return answeredWith(what, path, kind, kindOf(value));
}

/** Why a reply of packet type `type` is refused where one of `kind` (or a STATUS) is due. */
export function wrongType(what: string, path: string, kind: ReplyKind, type: number): string {
  const name = Object.entries(REPLY_TYPE).find(([, t]) => t === type)?.[0];
  return answeredWith(what, path, kind, name === undefined ? `a packet of type ${type}` : kindName(name as ReplyKind));
}

function answeredWith(what: string, path: string, kind: ReplyKind, got: string): string {
  return `${what} of "${path}" answered with ${got}, not ${kind === 'STATUS' ? 'a STATUS' : kindName(kind)}`;
}

function kindName(kind: ReplyKind): string {
  return kind === 'EXTENDED' ? 'EXTENDED_REPLY' : kind;
}

// ssh2 passes STATUS OK as nothing, NAME as an array, ATTRS as its Stats, HANDLE and DATA as a Buffer.
function kindOf(value: unknown): string {
  if (value === undefined) return 'STATUS OK';
  if (Array.isArray(value)) return 'NAME';
  if (isStats(value)) return 'ATTRS';
  return Buffer.isBuffer(value) ? 'HANDLE or DATA' : 'an unknown reply';
}

function isStats(value: unknown): value is Stats {
  return typeof value === 'object' && value !== null && !Buffer.isBuffer(value) && typeof (value as Stats).isDirectory === 'function';
}
