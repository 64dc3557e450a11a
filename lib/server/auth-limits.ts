// Login accounting for one `scpipe serve` connection, as sshd does it
// (auth2.c, auth.c): at most `maxAuthTries` failures, then disconnect; one log
// line per failed and per accepted login in sshd's own words, so fail2ban's
// sshd filter (and the regex in docs/serve.md) matches them; and a delay
// before each refused password, so that guessing stays slow. The per-address
// cap on unauthenticated connections (connection-limits.ts) bounds how many
// such delays one address can run in parallel.
import { createHash } from 'node:crypto';
import { escapeForTerminal } from '../util/escape';

/** Limits on authentication attempts. */
export interface AuthLimits {
  /** Failures allowed on one connection; the last one disconnects (sshd's MaxAuthTries). */
  maxAuthTries: number;
  /** Wait before answering a refused password or keyboard-interactive answer, in ms. */
  failureDelayMs: number;
}

/** sshd's MaxAuthTries; pam_unix's usual delay after a wrong password. */
export const DEFAULT_AUTH_LIMITS: AuthLimits = { maxAuthTries: 6, failureDelayMs: 2000 };

/** The client's address as the log shows it. */
export interface Peer {
  ip: string;
  port: number;
}

/** What to do after a refusal. */
export interface Refusal {
  /** Wait this long before answering. */
  delayMs: number;
  /** Disconnect instead of answering: the limit is reached. */
  disconnect: boolean;
}

/** One refused or accepted attempt. */
export interface Attempt {
  method: string;
  user: string;
  /** False when the server accepts only another user name (sshd's "invalid user"). */
  validUser: boolean;
  /** For publickey: the key's algorithm and blob, for the fingerprint. */
  key?: { algo: string; data: Buffer };
}

/** Counts and logs the attempts of one connection. */
export class LoginAttempts {
  private failures = 0;
  private noneSeen = false;

  constructor(private readonly limits: AuthLimits, private readonly peer: Peer, private readonly log: (line: string) => void) {}

  /** Records a refused attempt. */
  failed(a: Attempt): Refusal {
    // ssh clients open with "none" to learn the methods: sshd neither counts nor logs that first one.
    if (a.method === 'none' && !this.noneSeen) {
      this.noneSeen = true;
      return { delayMs: 0, disconnect: false };
    }
    this.failures += 1;
    if (a.method !== 'none') this.log(`Failed ${a.method} for ${a.validUser ? '' : 'invalid user '}${logUser(a.user)} ${this.from()}${keyNote(a)}`);
    const disconnect = this.failures >= this.limits.maxAuthTries;
    if (disconnect) this.log(`maximum authentication attempts exceeded for ${a.validUser ? '' : 'invalid user '}${logUser(a.user)} ${this.from()}`);
    const guessable = a.method === 'password' || a.method === 'keyboard-interactive';
    return { delayMs: guessable ? this.limits.failureDelayMs : 0, disconnect };
  }

  /** Records the accepted login. */
  accepted(a: Attempt): void {
    this.log(`Accepted ${a.method} for ${logUser(a.user)} ${this.from()}${keyNote(a)}`);
  }

  private from(): string {
    return `from ${this.peer.ip} port ${this.peer.port} ssh2`;
  }
}

/**
 * A user name as one log token: escaped, spaces as `\x20`, at most 100
 * characters as sshd cuts it, so a name cannot forge " from <address>".
 */
export function logUser(user: string): string {
  const shown = escapeForTerminal(user).replace(/ /g, '\\x20');
  return shown === '' ? '""' : shown.slice(0, 100);
}

/**
 * Who a session's lines (transfers, refusals) are of: `user@address:port`,
 * then the key's fingerprint as `ssh-keygen -lf` prints it, or the name of
 * a login without a key, so that one grep finds a client's every transfer.
 */
export function sessionWho(user: string, from: string, key: string | undefined): string {
  return `${logUser(user)}@${from} ${key !== undefined ? `key ${key}` : `user ${logUser(user)}`}`;
}

// sshd's suffix for a key: `: ED25519 SHA256:…`. The type is the algorithm
// the client named, any text it chose: one escaped token, as a user name.
function keyNote(a: Attempt): string {
  if (!a.key) return '';
  const type = logUser(a.key.algo.replace(/^ssh-/, '').replace(/-.*$/, '').toUpperCase());
  const fp = createHash('sha256').update(a.key.data).digest('base64').replace(/=+$/, '');
  return `: ${type} SHA256:${fp}`;
}
