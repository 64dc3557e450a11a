// Decodes one SFTP request payload into a typed request. Pure; throws
// BadPacket for a malformed packet (sftp-server treats that as fatal).
import { readAttrs, type Attrs } from './attrs';
import { PacketReader, REQ } from './wire';

// One member per operation (so a switch on `op` narrows), each with `id` and `op`.
type Each<O extends string, T> = O extends unknown ? { id: number; op: O } & T : never;

/** A request the server answers; `id` is the client's request id. */
export type Request =
  | Each<'open', { path: string; pflags: number; attrs: Attrs }>
  | Each<'close' | 'fstat' | 'readdir' | 'fsync' | 'fstatvfs', { handle: Buffer }>
  | Each<'read', { handle: Buffer; offset: bigint; length: number }>
  | Each<'write', { handle: Buffer; offset: bigint; data: Buffer }>
  | Each<'stat' | 'lstat' | 'opendir' | 'remove' | 'rmdir' | 'realpath' | 'readlink' | 'statvfs' | 'expand-path', { path: string }>
  | Each<'setstat' | 'lsetstat' | 'mkdir', { path: string; attrs: Attrs }>
  | Each<'fsetstat', { handle: Buffer; attrs: Attrs }>
  | Each<'rename' | 'posix-rename' | 'hardlink', { from: string; to: string }>
  | Each<'symlink', { link: string; target: string }>
  | Each<'limits', object>
  | Each<'unsupported', { what: string }>
  // A request type SFTP v3 does not have: answered OP_UNSUPPORTED in its turn, as every reply is.
  | Each<'unknown-type', { type: number }>;

/** The operations a request can name. */
export type Op = Request['op'];

/** The request of one operation (or several): `Req<'close'>`. */
export type Req<O extends Op> = Extract<Request, { op: O }>;

/** How to read SYMLINK's two paths: OpenSSH sends the target first, the draft the link first. */
export interface DecodeOptions {
  opensshSymlinkOrder: boolean;
}

// Clients that send SYMLINK's paths in OpenSSH's order to every server,
// not only to OpenSSH's: paramiko, libssh2 (curl's sftp://), Go's pkg/sftp
// (rclone) and JSch, besides OpenSSH. The others seen (ssh2, libssh, WinSCP)
// send the draft's order to a server that is not OpenSSH, as serve is not.
const OPENSSH_ORDER = /^SSH-2\.0-(OpenSSH|paramiko_|libssh2_|Go\b|JSCH)/i;

/** Whether the client with this identification line sends SYMLINK's target first. */
export function opensshSymlinkOrder(clientIdent: string): boolean {
  return OPENSSH_ORDER.test(clientIdent);
}

/** Decodes a request payload (type byte first); INIT is handled by the session. */
export function decodeRequest(payload: Buffer, opts: DecodeOptions): Request {
  const r = new PacketReader(payload);
  const type = r.u8();
  const id = r.u32();
  // Trailing bytes are ignored, as sftp-server does.
  return decodeBody(type, id, r, opts);
}

function decodeBody(type: number, id: number, r: PacketReader, opts: DecodeOptions): Request {
  switch (type) {
    case REQ.OPEN:
      return { id, op: 'open', path: r.path(), pflags: r.u32(), attrs: readAttrs(r) };
    case REQ.CLOSE:
      return { id, op: 'close', handle: r.bytes() };
    case REQ.READ:
      return { id, op: 'read', handle: r.bytes(), offset: r.u64(), length: r.u32() };
    case REQ.WRITE:
      return { id, op: 'write', handle: r.bytes(), offset: r.u64(), data: r.bytes() };
    case REQ.FSTAT:
      return { id, op: 'fstat', handle: r.bytes() };
    case REQ.READDIR:
      return { id, op: 'readdir', handle: r.bytes() };
    case REQ.LSTAT:
      return { id, op: 'lstat', path: r.path() };
    case REQ.STAT:
      return { id, op: 'stat', path: r.path() };
    case REQ.OPENDIR:
      return { id, op: 'opendir', path: r.path() };
    case REQ.REMOVE:
      return { id, op: 'remove', path: r.path() };
    case REQ.RMDIR:
      return { id, op: 'rmdir', path: r.path() };
    case REQ.REALPATH:
      return { id, op: 'realpath', path: r.path() };
    case REQ.READLINK:
      return { id, op: 'readlink', path: r.path() };
    case REQ.SETSTAT:
      return { id, op: 'setstat', path: r.path(), attrs: readAttrs(r) };
    case REQ.MKDIR:
      return { id, op: 'mkdir', path: r.path(), attrs: readAttrs(r) };
    case REQ.FSETSTAT:
      return { id, op: 'fsetstat', handle: r.bytes(), attrs: readAttrs(r) };
    case REQ.RENAME:
      return { id, op: 'rename', from: r.path(), to: r.path() };
    case REQ.SYMLINK: {
      const first = r.path();
      const second = r.path();
      return opts.opensshSymlinkOrder
        ? { id, op: 'symlink', target: first, link: second }
        : { id, op: 'symlink', link: first, target: second };
    }
    case REQ.EXTENDED:
      return decodeExtended(id, r.string(), r); // the extension's name
    default:
      return { id, op: 'unknown-type', type };
  }
}

function decodeExtended(id: number, name: string, r: PacketReader): Request {
  switch (name) {
    case 'posix-rename@openssh.com':
      return { id, op: 'posix-rename', from: r.path(), to: r.path() };
    case 'hardlink@openssh.com':
      return { id, op: 'hardlink', from: r.path(), to: r.path() };
    case 'fsync@openssh.com':
      return { id, op: 'fsync', handle: r.bytes() };
    case 'statvfs@openssh.com':
      return { id, op: 'statvfs', path: r.path() };
    case 'fstatvfs@openssh.com':
      return { id, op: 'fstatvfs', handle: r.bytes() };
    case 'limits@openssh.com':
      return { id, op: 'limits' };
    case 'expand-path@openssh.com':
      return { id, op: 'expand-path', path: r.path() };
    case 'lsetstat@openssh.com':
      return { id, op: 'lsetstat', path: r.path(), attrs: readAttrs(r) };
    default:
      return { id, op: 'unsupported', what: name };
  }
}

/** Extensions named in our VERSION reply, with the versions sftp-server gives them. */
export const ADVERTISED_EXTENSIONS: ReadonlyArray<[string, string]> = [
  ['posix-rename@openssh.com', '1'],
  ['statvfs@openssh.com', '2'],
  ['fstatvfs@openssh.com', '2'],
  ['hardlink@openssh.com', '1'],
  ['fsync@openssh.com', '1'],
  ['limits@openssh.com', '1'],
  ['expand-path@openssh.com', '1'],
  ['lsetstat@openssh.com', '1'],
];
