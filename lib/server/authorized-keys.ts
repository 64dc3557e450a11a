// Reads an OpenSSH authorized_keys file: one public key per line, possibly
// after options (`command="…",no-pty ssh-ed25519 AAAA… comment`). Options
// are ignored: this server runs nothing but its own scp roles anyway.
import { readFile } from 'node:fs/promises';
import { ScpipeError } from '../errors';
import { errnoCode, strerror } from '../fs/strerror';
import { escapeForTerminal } from '../util/escape';
import { ssh2 } from './ssh2';

/** Public keys allowed to log in, as SSH wire-format blobs. */
export class AuthorizedKeys {
  private constructor(private readonly blobs: Buffer[]) {}

  /** Parses authorized_keys text; lines that are not keys are skipped. */
  static parse(text: string): AuthorizedKeys {
    const blobs: Buffer[] = [];
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      // The key is the first "<type> <base64>" pair; options come before it.
      const m = /(?:^|\s|,)((?:ssh|ecdsa|sk)-[A-Za-z0-9@.+-]+)\s+([A-Za-z0-9+/=]+)/.exec(line);
      if (!m) continue;
      const parsed = ssh2().utils.parseKey(`${m[1]} ${m[2]}`);
      if (parsed instanceof Error) continue;
      const key = Array.isArray(parsed) ? parsed[0]! : parsed;
      blobs.push(key.getPublicSSH());
    }
    return new AuthorizedKeys(blobs);
  }

  /** Loads a file; a missing file is an error naming it. */
  static async load(path: string): Promise<AuthorizedKeys> {
    try {
      return AuthorizedKeys.parse(await readFile(path, 'utf8'));
    } catch (err) {
      // The errno's words, and for a file that is not there what to give instead.
      const hint = errnoCode(err) === 'ENOENT' ? ' (name the keys with --authorized-keys FILE)' : '';
      throw new ScpipeError('ERR_USAGE', `cannot read authorized keys ${escapeForTerminal(path)}: ${strerror(err)}${hint}`, { path, cause: err });
    }
  }

  /** How many keys were loaded. */
  get size(): number {
    return this.blobs.length;
  }

  /** True when `blob` (the client's public key) is listed. */
  has(blob: Buffer): boolean {
    return this.blobs.some((b) => b.equals(blob));
  }
}
