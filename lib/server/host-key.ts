// The server's host key: the file the user named, or an ed25519 key made once
// and kept in the user's cache directory, so clients see the same key on
// every start (and known_hosts keeps working).
import { readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { ScpipeError } from '../errors';
import { makeDirs } from '../fs/make-dirs';
import { strerror } from '../fs/strerror';
import { escapeForTerminal } from '../util/escape';
import { findHome } from '../util/home';
import { deniedToServe } from './serve-uid';
import { fingerprint } from '../transport/known-hosts';
import { ssh2 } from './ssh2';

/** A loaded host key: the private key for ssh2 and its public fingerprint. */
export interface HostKey {
  privateKey: Buffer;
  publicKey: string; // "ssh-ed25519 AAAA…"
  fingerprint: string; // "SHA256:…" as ssh-keygen -lf prints it
  path: string;
  generated: boolean;
  /** Set when group or others may read the file (sshd refuses such a key): its mode. */
  openMode?: number;
}

/**
 * Where the generated key lives: $XDG_CACHE_HOME/scpipe, else ~/.cache/scpipe.
 * A relative XDG_CACHE_HOME is ignored, as the XDG spec asks: it put the key
 * below whatever directory serve was started in, a new key for each.
 */
export function defaultHostKeyPath(env: NodeJS.ProcessEnv = process.env, userInfo?: () => { username: string; homedir: string }): string {
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'scpipe', 'serve_host_ed25519_key');
  const home = findHome(env, userInfo);
  if (typeof home !== 'string') {
    // A service user without a home (systemd DynamicUser=, a container's uid): exit 2 with what to give, not ~/.ssh's advice.
    throw new ScpipeError('ERR_USAGE', `cannot tell where to keep a generated host key (~/.cache/scpipe): ${home.why}; give one with --host-key FILE`);
  }
  return join(home, '.cache', 'scpipe', 'serve_host_ed25519_key');
}

/** Loads `path`, or with `generate`, creates it when it does not exist yet. */
export async function loadHostKey(path: string, generate: boolean): Promise<HostKey> {
  let privateKey: Buffer | undefined;
  try {
    privateKey = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !generate) {
      throw new ScpipeError('ERR_USAGE', `cannot read host key ${escapeForTerminal(path)}: ${strerror(err)}${deniedToServe(err)}`, { path, cause: err });
    }
  }
  let generated = false;
  if (!privateKey) {
    const pair = generateHostKeyPair();
    try {
      // ~/.cache/scpipe is made as needed, never the home itself: a service
      // user's HOME=/nonexistent would become a directory at the top of /.
      const home = dirname(dirname(dirname(path)));
      await stat(home).catch((err: NodeJS.ErrnoException) => {
        throw Object.assign(err, { path: home });
      });
      await makeDirs(dirname(path), 0o700);
      await writeFile(path, pair.private, { mode: 0o600, flag: 'wx' });
      await writeFile(`${path}.pub`, `${pair.public}\n`, { mode: 0o644 });
    } catch (err) {
      // A service user with no writable home (ProtectHome=, nobody): say what to give instead of a stack trace.
      const where = escapeForTerminal((err as NodeJS.ErrnoException).path ?? path);
      throw new ScpipeError('ERR_USAGE', `cannot save a new host key: ${where}: ${strerror(err)}; give one with --host-key FILE`, { path, cause: err });
    }
    privateKey = Buffer.from(pair.private);
    generated = true;
  }
  const parsed = ssh2().utils.parseKey(privateKey);
  if (parsed instanceof Error) {
    // A key generated before generateHostKeyPair checked its keys may be one of ssh2's malformed ones.
    const hint = generate && !generated ? ' (remove it, and the next start makes a new one)' : '';
    throw new ScpipeError('ERR_USAGE', `cannot use host key ${escapeForTerminal(path)}: ${parsed.message}${hint}`, { path });
  }
  const key = Array.isArray(parsed) ? parsed[0]! : parsed;
  // The .pub beside it parses too, and ssh2's Server would fail on it with a stack trace.
  if (!key.isPrivateKey()) {
    throw new ScpipeError('ERR_USAGE', `cannot use host key ${escapeForTerminal(path)}: it is a public key; give the private key`, { path });
  }
  const st = await stat(path);
  const mode = st.mode & 0o777;
  const blob = key.getPublicSSH();
  // As sshd's sshkey_perm_ok(): only a file of our own user is judged.
  const openMode = st.uid === process.getuid?.() && (mode & 0o077) !== 0 ? mode : undefined;
  return { privateKey, publicKey: `${key.type} ${blob.toString('base64')}`, fingerprint: fingerprint(blob), path, generated, ...(openMode !== undefined && { openMode }) };
}

// How many keys generateHostKeyPair makes before it gives up (each fails
// with a chance of 1 in 256, so this is never reached).
const GENERATE_ATTEMPTS = 16;

/**
 * A new ed25519 key pair in OpenSSH format that ssh2 can parse. ssh2's
 * generateKeyPairSync('ed25519') strips leading zero bytes from the public
 * key (mscdex/ssh2#1390, #1513, open in 1.17), so about 1 key in 256 is
 * malformed, and `serve` would keep failing on the file it had saved. Such
 * a pair is thrown away and another made, before anything is written.
 */
export function generateHostKeyPair(): { private: string; public: string } {
  const { utils } = ssh2();
  for (let attempt = 0; attempt < GENERATE_ATTEMPTS; attempt++) {
    const pair = utils.generateKeyPairSync('ed25519');
    if (!(utils.parseKey(pair.private) instanceof Error) && !(utils.parseKey(pair.public) instanceof Error)) return pair;
  }
  throw new ScpipeError('ERR_USAGE', `could not generate a host key ssh2 can read (${GENERATE_ATTEMPTS} tries)`);
}
