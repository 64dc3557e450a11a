// SFTP requests that name a path holding a byte that is not UTF-8
// (util/byte-text.ts). ssh2's client writes every path as UTF-8, where such
// a byte's mark would go as EF BF BD, another file's name; these requests
// are built here with the path's bytes and sent through sendRequest(), and
// ssh2 answers them as its own. The requests whose answers are names
// (READDIR, REALPATH, READLINK) are always built here: the NameTap reads
// those names as their bytes by the request id.
import type { InputAttributes, OpenMode } from 'ssh2';
import { ScpipeError } from '../errors';
import { toBytes } from '../util/byte-text';
import { escapeForTerminal } from '../util/escape';
import type { NameTap } from './name-bytes';
import { sendRequest } from './write-uncopied';

/** SSH_FXP_* request types (draft-ietf-secsh-filexfer-02). */
export const FXP = { OPEN: 3, LSTAT: 7, SETSTAT: 9, OPENDIR: 11, READDIR: 12, REMOVE: 13, MKDIR: 14, REALPATH: 16, STAT: 17, RENAME: 18, READLINK: 19, EXTENDED: 200 } as const;

type Field = string | Buffer | number;
type Callback = (err?: Error, ...reply: any[]) => void;

/**
 * Sends request `type` of `fields` (a string as its bytes, a Buffer as a
 * string, a number as uint32) then `attrs`, if given. False, having sent
 * nothing, where ssh2's internals are not as expected. `reqid` hears the id;
 * `extended` names the extension whose reply ssh2 parses.
 */
export function sendFields(raw: unknown, type: number, fields: Field[], cb: Callback, attrs?: InputAttributes, reqid?: (id: number) => void, extended?: string): boolean {
  const parts: Buffer[] = [];
  for (const f of fields) {
    if (typeof f === 'number') parts.push(u32(f));
    else {
      const b = typeof f === 'string' ? toBytes(f) : f;
      parts.push(u32(b.length), b);
    }
  }
  if (attrs) parts.push(attrsBytes(attrs));
  const body = Buffer.concat(parts);
  return sendRequest(raw, (id) => {
    reqid?.(id);
    return Buffer.concat([u32(body.length + 5), Buffer.from([type]), u32(id), body]);
  }, cb, extended);
}

/** A request answered by NAME, its names read as their bytes; false where it cannot be sent so. */
export function sendNamed(raw: unknown, tap: NameTap | undefined, type: number, fields: Field[], cb: (err?: Error, names?: Array<{ filename: string }>) => void): boolean {
  if (tap === undefined) return false;
  let id = -1;
  return sendFields(raw, type, fields, (err, names) => cb(err, tap.take(id, names)), undefined, (reqid) => {
    id = reqid;
    tap.expect(reqid);
  });
}

/** SSH_FXF_* flags of an open mode, as ssh2 sends them. */
export function openFlags(mode: OpenMode): number {
  if (typeof mode === 'number') return mode;
  const { stringToFlags } = require('ssh2/lib/protocol/SFTP.js') as { stringToFlags(m: string): number | null };
  const flags = stringToFlags(mode);
  if (flags === null) {
    const given = escapeForTerminal(String(mode));
    throw new ScpipeError('ERR_USAGE', `open: unknown file open flags "${given}" (give r, r+, w, wx, xw, w+, wx+, xw+, a, ax, xa, a+, ax+ or xa+, or SSH_FXF_* as a number)`);
  }
  return flags;
}

// ATTRS as ssh2 writes them: size, uid/gid, permissions, atime/mtime (seconds).
function attrsBytes(a: InputAttributes): Buffer {
  let flags = 0;
  const parts: Buffer[] = [];
  if (typeof a.size === 'number') {
    flags |= 1;
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(a.size));
    parts.push(b);
  }
  if (typeof a.uid === 'number' && typeof a.gid === 'number') {
    flags |= 2;
    parts.push(u32(a.uid), u32(a.gid));
  }
  if (a.mode !== undefined) {
    flags |= 4;
    parts.push(u32(typeof a.mode === 'string' ? parseInt(a.mode, 8) : a.mode));
  }
  if (a.atime !== undefined && a.mtime !== undefined) {
    flags |= 8;
    parts.push(u32(seconds(a.atime)), u32(seconds(a.mtime)));
  }
  return Buffer.concat([u32(flags), ...parts]);
}

function seconds(t: number | Date): number {
  return (t instanceof Date ? Math.floor(t.getTime() / 1000) : Math.floor(t)) >>> 0;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}
