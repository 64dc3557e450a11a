// Recognises scp-style remote arguments (`[user@]host:[path]`, `[v6addr]:path`,
// `scp://[user@]host[:port][/path]`) the way OpenSSH's scp does (misc.c
// colon() and parse_uri()), so an argument means the same thing to scpipe as
// it would to scp: a colon before any `/` makes it remote, anything else is a
// local path.
import { ScpipeError } from '../errors';
import { parsePort } from './ssh-config-values';

/** A parsed remote argument. `path` is '' for `host:` (the remote home). */
export interface RemoteSpec {
  /** Remote user, when the argument named one (`user@host:path`). */
  user?: string;
  /** Host name or address, without IPv6 brackets (`fe80::1%eth0`). */
  host: string;
  /** Remote path; '' means the login directory. */
  path: string;
  /** Port, only from an `scp://host:port/` URI. */
  port?: number;
}

/**
 * Index of the colon that separates host from path, or -1 when `arg` is a
 * local path. Mirrors OpenSSH misc.c colon(): a leading `:` is part of a file
 * name; a `/` before the colon makes it local; after `[` (at the start or after
 * `@`) only a `]:` counts.
 */
function colonIndex(arg: string): number {
  if (arg.startsWith(':')) return -1;
  let bracket = arg.startsWith('[');
  for (let i = 0; i < arg.length; i++) {
    const ch = arg[i];
    if (ch === '@' && arg[i + 1] === '[') bracket = true;
    if (ch === ']' && arg[i + 1] === ':' && bracket) return i + 1;
    if (ch === ':' && !bracket) return i;
    if (ch === '/') return -1;
  }
  return -1;
}

function decodeUriPart(part: string, what: string, arg: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(part);
  } catch {
    throw new ScpipeError('ERR_USAGE', `bad %-escape in the ${what} of ${JSON.stringify(arg)}`);
  }
  // No name can hold a NUL: an SFTP server would drop the session, scp calls the URI invalid.
  if (decoded.includes('\0')) throw new ScpipeError('ERR_USAGE', `%00 (a NUL byte) in the ${what} of ${JSON.stringify(arg)}: no name can hold it`);
  return decoded;
}

/** Strips the brackets of `[addr]`, as OpenSSH cleanhostname() does. */
function cleanHost(host: string): string {
  return host.length >= 2 && host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function requireHost(host: string, arg: string): string {
  if (host === '') throw new ScpipeError('ERR_USAGE', `missing host name in ${JSON.stringify(arg)}`);
  return host;
}

/** Parses `scp://[user[;params]@]host[:port][/path]` (OpenSSH parse_uri). */
function parseScpUri(arg: string): RemoteSpec {
  const rest = arg.slice('scp://'.length);
  const slash = rest.indexOf('/');
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  // `scp://host/file` is `file` in the login directory; `scp://host//abs` is `/abs`.
  const rawPath = slash === -1 ? '' : rest.slice(slash + 1);
  const at = authority.lastIndexOf('@');
  let user: string | undefined;
  if (at !== -1) {
    // ";fingerprint=..." connection parameters are accepted and ignored, as by scp.
    // An empty user (`scp://@host/`, a variable left unset) is refused, as scp refuses it (parse_uri()).
    const u = decodeUriPart(authority.slice(0, at).split(';')[0], 'user', arg);
    if (u === '') throw new ScpipeError('ERR_USAGE', `missing user name before the @ in ${JSON.stringify(arg)}`);
    user = u;
  }
  let hostPort = authority.slice(at + 1);
  let port: number | undefined;
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(hostPort);
  if (!m) throw new ScpipeError('ERR_USAGE', `bad scp:// URI ${JSON.stringify(arg)}`);
  hostPort = m[1];
  if (m[2] !== undefined) {
    port = parsePort(m[2]); // `scp://host:/x` too: scp's a2port("") fails
    if (port === undefined) throw new ScpipeError('ERR_USAGE', `bad port in ${JSON.stringify(arg)}`);
  }
  const host = requireHost(cleanHost(hostPort), arg);
  const spec: RemoteSpec = { host, path: decodeUriPart(rawPath, 'path', arg) };
  if (user !== undefined) spec.user = user;
  if (port !== undefined) spec.port = port;
  return spec;
}

// Parses a remote argument (`user@host:path`, `host:`, `[::1]:path`,
// `user@[fe80::1%eth0]:path`, `scp://user@host:2222/path`); returns null for a
// local path (`./a:b`, `/x:y`, `file`). Throws ERR_USAGE for a remote argument
// with an empty host (`user@:path`) or a malformed scp:// URI.
export function parseRemoteSpec(arg: string): RemoteSpec | null {
  if (arg.startsWith('scp://')) return parseScpUri(arg);
  const colon = colonIndex(arg);
  if (colon === -1) return null;
  const before = arg.slice(0, colon);
  const path = arg.slice(colon + 1);
  // The user is everything before the last '@' (scp.c: strrchr(arg, '@')).
  const at = before.lastIndexOf('@');
  const user = at === -1 ? '' : before.slice(0, at);
  const host = requireHost(cleanHost(before.slice(at + 1)), arg);
  return user === '' ? { host, path } : { user, host, path };
}

// True when `arg` names a remote file (scp's colon() test, or an scp:// URI);
// does not validate it further.
export function isRemoteSpec(arg: string): boolean {
  return arg.startsWith('scp://') || colonIndex(arg) !== -1;
}

// The argument that names `path` on the host of `spec`, for a command the
// user is told to run (`get` of the set just stored); a port from an scp://
// URI comes first as `-P PORT`. Not escaped: the caller escapes it.
export function formatRemoteSpec(spec: RemoteSpec, path: string): string {
  const host = spec.host.includes(':') ? `[${spec.host}]` : spec.host;
  const user = spec.user === undefined ? '' : `${spec.user}@`;
  return `${spec.port === undefined ? '' : `-P ${spec.port} `}${user}${host}:${path}`;
}
