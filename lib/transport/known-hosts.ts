// Reads and appends OpenSSH known_hosts files (sshd(8) "SSH_KNOWN_HOSTS FILE
// FORMAT"): plain and wildcard host patterns, `[host]:port` entries, hashed
// `|1|salt|hmac` entries, `@revoked` and `@cert-authority` markers. Lookup
// follows OpenSSH hostfile.c: a matching key is a match; any other known key
// for the host, of whatever type, is a change.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import * as byteFs from '../fs/byte-fs';
import * as path from 'node:path';
import { makeDirs } from '../fs/make-dirs';
import { matchPatternList } from './wildcard';
import { lowerAscii } from '../util/ascii-case';
import { SshFields } from '../util/ssh-fields';

/** Result of looking a host key up; `file`/`line` name the conflicting entry. */
export type HostKeyStatus =
  | { status: 'match' }
  | { status: 'unknown'; certAuthority?: { file: string; line: number } }
  | { status: 'changed'; file: string; line: number }
  | { status: 'revoked' };

/** Input of checkHostKey(): where to look and what the server presented. */
export interface CheckHostKeyOptions {
  /** known_hosts files, in lookup order; missing files are skipped. */
  files: string[];
  /** Host name or address as connected to (or a HostKeyAlias). */
  host: string;
  /** Port; anything but 22 is looked up as `[host]:port`. */
  port: number;
  /** The server's public key blob in SSH wire format (as ssh2's hostVerifier gets it). */
  key: Buffer;
  /**
   * A host no entry knows on this port is known by an entry for the bare
   * host (port 22) with this very key, as ssh's "checking without port
   * identifier" finds it (not with a HostKeyAlias).
   */
  portless?: boolean;
}

// The name a host is filed under in known_hosts: `host` for port 22,
// `[host]:port` otherwise, lower-cased as ssh does, A-Z only (OpenSSH put_host_port + lowercase).
export function knownHostsName(host: string, port: number): string {
  const h = lowerAscii(host);
  return port === 22 || port === 0 ? h : `[${h}]:${port}`;
}

// The key type named inside a wire-format public key blob ('ssh-ed25519',
// 'ssh-rsa', 'ecdsa-sha2-nistp256', ...); throws on a blob too short to hold one.
export function keyType(key: Buffer): string {
  const type = new SshFields(key).string();
  if (type === undefined || type.length === 0) throw new Error('malformed SSH public key blob');
  return type.toString('latin1');
}

// The modulus size of an ssh-rsa public key blob, in bits; undefined for
// other key types (or a blob too short to hold one).
export function rsaKeyBits(key: Buffer): number | undefined {
  if (keyType(key) !== 'ssh-rsa') return undefined;
  const fields = new SshFields(key);
  fields.string(); // its type
  const e = fields.string();
  const n = e && fields.string();
  if (!n) return undefined;
  let i = 0;
  while (i < n.length && n[i] === 0) i++;
  return i === n.length ? 0 : (n.length - i) * 8 - (Math.clz32(n[i]) - 24);
}

// The SHA256 fingerprint of a wire-format public key blob, exactly as
// `ssh-keygen -lf` prints it: `SHA256:` + unpadded base64.
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** Does a hashed `|1|salt|hmac` field name `name`? */
function matchHashed(name: string, field: string): boolean {
  const parts = field.split('|'); // ['', '1', salt, hmac]
  if (parts.length !== 4 || parts[1] !== '1') return false;
  const salt = Buffer.from(parts[2], 'base64');
  const want = Buffer.from(parts[3], 'base64');
  if (salt.length !== 20 || want.length !== 20) return false; // OpenSSH requires SHA1-sized salt
  const got = createHmac('sha1', salt).update(name).digest();
  return timingSafeEqual(got, want);
}

interface Entry {
  marker: 'revoked' | 'cert-authority' | undefined;
  key: Buffer;
  type: string;
  line: number;
}

/** Entries of `text` whose host field names `name`; malformed lines are skipped. */
function matchingEntries(text: string, name: string): Entry[] {
  const out: Entry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const fields = lines[i].trim().split(/[ \t]+/);
    if (fields[0] === '' || fields[0].startsWith('#')) continue;
    let marker: Entry['marker'];
    if (fields[0].startsWith('@')) {
      if (fields[0] === '@revoked') marker = 'revoked';
      else if (fields[0] === '@cert-authority') marker = 'cert-authority';
      else continue; // invalid marker: OpenSSH ignores the line
      fields.shift();
    }
    if (fields.length < 3) continue;
    const [hosts, type, b64] = fields;
    const hit = hosts.startsWith('|') ? matchHashed(name, hosts) : matchPatternList(name, hosts) === 1;
    if (!hit) continue;
    const key = Buffer.from(b64, 'base64');
    let blobType: string;
    try {
      blobType = keyType(key);
    } catch {
      continue;
    }
    if (blobType !== type) continue; // corrupt line (or legacy RSA1 "bits e n")
    out.push({ marker, key, type, line: i + 1 });
  }
  return out;
}

// A file ssh could not open or read is skipped, as ssh does (hostfile.c logs
// it at debug level only): an /etc/ssh/ssh_known_hosts that is root's alone
// must not stop every other user's connections. Skipping trusts nothing more.
const UNREADABLE = new Set(['ENOENT', 'ENOTDIR', 'EACCES', 'EPERM', 'EISDIR', 'ELOOP']);

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return (await byteFs.readFile(file)).toString('utf8');
  } catch (err) {
    if (UNREADABLE.has((err as NodeJS.ErrnoException).code ?? '')) return undefined;
    throw err;
  }
}

// Looks a server key up in known_hosts files. Revoked wins; then an equal key
// is a match; then any other key is 'changed' (a same-type entry reported
// first): a host known by an Ed25519 key that now offers only RSA is refused,
// as ssh does (hostfile.c check_hostkeys_by_key_or_type), not taken as new.
// Otherwise 'unknown'. @cert-authority lines never match plain keys; the
// first one for the host is named, as the key may be known only through it.
export async function checkHostKey(opts: CheckHostKeyOptions): Promise<HostKeyStatus> {
  const name = knownHostsName(opts.host, opts.port);
  const type = keyType(opts.key);
  let matched = false;
  let changed: { file: string; line: number } | undefined;
  let otherType: { file: string; line: number } | undefined;
  let certAuthority: { file: string; line: number } | undefined;
  for (const file of opts.files) {
    const text = await readIfExists(file);
    if (text === undefined) continue;
    for (const e of matchingEntries(text, name)) {
      const equal = e.key.equals(opts.key);
      if (e.marker === 'revoked') {
        if (equal) return { status: 'revoked' };
      } else if (e.marker === undefined) {
        if (equal) matched = true;
        else if (e.type === type) changed ??= { file, line: e.line };
        else otherType ??= { file, line: e.line };
      } else {
        certAuthority ??= { file, line: e.line };
      }
    }
  }
  if (matched) return { status: 'match' };
  if (changed ?? otherType) return { status: 'changed', ...(changed ?? otherType)! };
  if (opts.portless && opts.port !== 22 && (await checkHostKey({ ...opts, port: 22, portless: false })).status === 'match') return { status: 'match' };
  return certAuthority ? { status: 'unknown', certAuthority } : { status: 'unknown' };
}

// The key types known_hosts holds for a host (plain entries, in file order):
// ssh offers those host key algorithms first (sshconnect2.c order_hostkeyalgs),
// so a host known by its ECDSA key is not met with its Ed25519 one.
export async function knownKeyTypes(files: string[], host: string, port: number): Promise<string[]> {
  const name = knownHostsName(host, port);
  const types = new Set<string>();
  for (const file of files) {
    const text = await readIfExists(file).catch(() => undefined);
    if (text === undefined) continue;
    for (const e of matchingEntries(text, name)) if (e.marker === undefined) types.add(e.type);
  }
  return [...types];
}

/** `name` hashed as HashKnownHosts writes it: |1|base64(salt)|base64(HMAC-SHA1(salt, name)). */
function hashHostName(name: string, salt: Buffer = randomBytes(20)): string {
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

// Appends `name keytype base64` (name as knownHostsName, hashed when `hash`)
// to `file`, creating its directory (0700) and the file (0600) when missing.
export async function appendKnownHost(file: string, host: string, port: number, key: Buffer, hash = false, address?: { host: string; port: number }): Promise<void> {
  await makeDirs(path.dirname(file), 0o700);
  const names = [knownHostsName(host, port), ...(address ? [knownHostsName(address.host, address.port)] : [])];
  const entry = ` ${keyType(key)} ${key.toString('base64')}\n`;
  // With its address (CheckHostIP), as ssh writes it: one `host,address` line, or a hashed line each.
  const line = hash ? names.map((name) => hashHostName(name) + entry).join('') : names.join(',') + entry;
  const handle = await byteFs.open(file, 'a+', 0o600);
  try {
    // Keep a file that lacks a final newline well-formed.
    const { size } = await handle.stat();
    let prefix = '';
    if (size > 0) {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) prefix = '\n';
    }
    await handle.appendFile(prefix + line);
  } finally {
    await handle.close();
  }
}
