// What each SFTP request must be answered with (draft-ietf-secsh-filexfer-02
// §7). ssh2 hands a reply to the request of its id whatever the reply's type:
// a STATUS OK to an OPEN gave no handle, to a READDIR the end of the listing
// (a directory copied as empty, exit 0), a NAME to an FSTAT no size. OpenSSH's
// sftp stops at such a reply ("Expected SSH2_FXP_HANDLE(102) packet, got
// 101"); so does scpipe, with the same protocol error.
import type { Stats } from 'ssh2';

/** The reply a request expects: HANDLE, ATTRS, a STATUS (OK or an error), NAME (a listing) or DATA. */
export type ReplyKind = 'HANDLE' | 'ATTRS' | 'STATUS' | 'NAME' | 'DATA';

/** True when `value`, as ssh2 passed it to a request's callback with no error, is a reply of `kind`. */
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
  }
}

/** Why a reply of the wrong kind is refused, naming the request, its path and, as near as ssh2 lets it be told, what came. */
export function wrongKind(what: string, path: string, kind: ReplyKind, value: unknown): string {
  return `${what} of "${path}" answered with ${kindOf(value)}, not ${kind === 'STATUS' ? 'a STATUS' : kind}`;
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
