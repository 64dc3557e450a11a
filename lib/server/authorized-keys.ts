// Reads an OpenSSH authorized_keys file: one public key per line, possibly
// after options (`from="10.0.0.0/8",no-pty ssh-ed25519 AAAA… comment`). The
// options that narrow who may log in are honoured as sshd does (`from=`,
// `expiry-time=`); those that give a key a meaning this server cannot keep
// (`command=`, `cert-authority`, ...) make it skip the key, said at start:
// a key fenced in for sshd must not become a key to the whole root. The rest
// (no-pty, restrict, permitopen=, ...) forbid what serve never allows.
import { readFile } from 'node:fs/promises';
import { ScpipeError } from '../errors';
import { strerror } from '../fs/strerror';
import { escapeForTerminal } from '../util/escape';
import { SERVER_OPEN_FILE_HINT, outOfDescriptors } from '../util/limits';
import { deniedToServe } from './serve-uid';
import { parseKeyOptions, type KeyOptions } from './key-options';
import { ssh2 } from './ssh2';

/** A line left out, and why (for the log at start and when the file changed). */
export interface SkippedKey {
  line: number;
  why: string;
}

interface Entry {
  blob: Buffer;
  options: KeyOptions;
}

/** Public keys allowed to log in, as SSH wire-format blobs, with their options. */
export class AuthorizedKeys {
  private constructor(
    private readonly entries: Entry[],
    /** Lines that are not keys serve can keep: options it cannot honour, or no readable key. */
    readonly skipped: readonly SkippedKey[],
  ) {}

  /** Parses authorized_keys text; blank lines and comments are ignored, other lines that are not keys skipped. */
  static parse(text: string): AuthorizedKeys {
    const entries: Entry[] = [];
    const skipped: SkippedKey[] = [];
    text.split('\n').forEach((raw, i) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) return;
      // The key is the first "<type> <base64>" pair; options come before it.
      const m = /(?:^|\s|,)((?:ssh|ecdsa|sk)-[A-Za-z0-9@.+-]+)\s+([A-Za-z0-9+/=]+)/.exec(line);
      // Said, not silently dropped: a key pasted across two lines, or cut
      // short, otherwise fails every login with no hint why.
      if (!m) {
        skipped.push({ line: i + 1, why: 'no public key in this line' });
        return;
      }
      const parsed = ssh2().utils.parseKey(`${m[1]} ${m[2]}`);
      if (parsed instanceof Error) {
        skipped.push({ line: i + 1, why: `the key cannot be read: ${parsed.message}` });
        return;
      }
      const options = parseKeyOptions(line.slice(0, m.index).trim());
      if ('refused' in options) {
        skipped.push({ line: i + 1, why: options.refused });
        return;
      }
      const key = Array.isArray(parsed) ? parsed[0]! : parsed;
      entries.push({ blob: key.getPublicSSH(), options });
    });
    return new AuthorizedKeys(entries, skipped);
  }

  /** Loads a file; a missing file is an error naming it. */
  static async load(path: string): Promise<AuthorizedKeys> {
    try {
      return AuthorizedKeys.parse(await readFile(path, 'utf8'));
    } catch (err) {
      // The errno's words; out of descriptors, the limit to raise.
      const hint = outOfDescriptors(err) !== undefined ? ` (${SERVER_OPEN_FILE_HINT})` : deniedToServe(err);
      throw new ScpipeError('ERR_USAGE', `cannot read authorized keys ${escapeForTerminal(path)}: ${strerror(err)}${hint}`, { path, cause: err });
    }
  }

  /** How many keys were loaded. */
  get size(): number {
    return this.entries.length;
  }

  /**
   * Whether `blob` (the client's public key) may log in from `ip` at `now`:
   * true, or why not (undefined: not listed). As sshd, any line of the key
   * whose options allow it will do.
   */
  allows(blob: Buffer, ip: string, now = new Date()): true | string | undefined {
    let why: string | undefined;
    for (const { blob: listed, options } of this.entries) {
      if (!listed.equals(blob)) continue;
      const refusal = options.refusal(ip, now);
      if (refusal === undefined) return true;
      why ??= refusal;
    }
    return why;
  }
}
