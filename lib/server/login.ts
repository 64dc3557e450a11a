// A login attempt on `serve`: public keys (the authorized keys, or a file
// of them read again when it changed), a password, or keyboard-interactive
// asking that password; each failure counted, delayed and logged in sshd's
// words (auth-limits.ts).
import { timingSafeEqual } from 'node:crypto';
import type { AuthContext } from 'ssh2';
import { logUser, type LoginAttempts } from './auth-limits';
import type { AuthorizedKeys } from './authorized-keys';
import type { AuthorizedKeysFile } from './keys-file';
import { ssh2 } from './ssh2';
import { longTimeout } from '../util/long-timeout';

/** How clients authenticate. */
export interface ServeAuth {
  /** Public keys allowed (any user name unless `user` is set). */
  authorizedKeys?: AuthorizedKeys;
  /** Instead of authorizedKeys: a file of them, read again at a login when it changed (as sshd reads authorized_keys). */
  authorizedKeysFile?: AuthorizedKeysFile;
  /** The only user name accepted, when set. */
  user?: string;
  /** Password for `user` (password and keyboard-interactive). */
  password?: string;
  /** Accept everyone without authentication (explicit --no-auth only). */
  none?: boolean;
}

/** What answerLogin() needs of the connection. */
export interface LoginContext {
  auth: ServeAuth;
  attempts: LoginAttempts;
  ip: string;
  log: (line: string) => void;
  /** False once the connection is gone: no answer is sent then. */
  live: () => boolean;
  /** Cuts the connection (too many failures). */
  end: () => void;
}

/** Answers one authentication request of a client. */
export function answerLogin(ctx: AuthContext, c: LoginContext): void {
  const { auth, attempts, log } = c;
  const attempt = {
    method: ctx.method,
    user: ctx.username,
    validUser: auth.none === true || auth.user === undefined || ctx.username === auth.user,
    key: ctx.method === 'publickey' ? ctx.key : undefined,
  };
  const decide = (ok: boolean): void => {
    if (ok) {
      // A publickey query ("would this key do?") is not a login yet.
      if (!(ctx.method === 'publickey' && !ctx.signature)) attempts.accepted(attempt);
      return ctx.accept();
    }
    const refusal = attempts.failed(attempt);
    const answer = (): void => {
      if (refusal.disconnect) c.end();
      else if (c.live()) ctx.reject(methodsFor(auth));
    };
    if (refusal.delayMs > 0) longTimeout(answer, refusal.delayMs, true); // over 24.8 days too (--auth-failure-delay)
    else answer();
  };
  if (ctx.method === 'keyboard-interactive' && attempt.validUser && auth.password !== undefined) {
    const expected = auth.password;
    ctx.prompt([{ prompt: 'Password: ', echo: false }], (answers) => decide(equalSecret(answers[0] ?? '', expected)));
    return;
  }
  const refused = (why: string): void => log(`Authentication tried for ${logUser(ctx.username)} with correct key but ${why}`);
  const file = auth.authorizedKeysFile;
  if (ctx.method === 'publickey' && file) {
    void file.current().then((keys) => {
      if (c.live()) decide(authenticate(ctx, { ...auth, authorizedKeys: keys }, c.ip, refused));
    });
    return;
  }
  decide(authenticate(ctx, auth, c.ip, refused));
}

function methodsFor(auth: ServeAuth): Array<'publickey' | 'password' | 'keyboard-interactive'> {
  const methods: Array<'publickey' | 'password' | 'keyboard-interactive'> = [];
  if (auth.authorizedKeys || auth.authorizedKeysFile) methods.push('publickey');
  if (auth.password !== undefined) methods.push('password', 'keyboard-interactive');
  return methods;
}

// True to accept (keyboard-interactive is answered above, asynchronously);
// `refused`: a listed key whose options (from=, expiry-time=) say no here.
function authenticate(ctx: AuthContext, auth: ServeAuth, ip: string, refused: (why: string) => void): boolean {
  if (auth.none) return true;
  if (auth.user !== undefined && ctx.username !== auth.user) return false;
  if (ctx.method === 'publickey') {
    const allowed = auth.authorizedKeys?.allows(ctx.key.data, ip);
    if (typeof allowed === 'string') refused(allowed);
    if (allowed !== true) return false;
    if (!ctx.signature || !ctx.blob) return true; // the "would this key do?" query
    const parsed = ssh2().utils.parseKey(ctx.key.data);
    if (parsed instanceof Error) return false;
    const key = Array.isArray(parsed) ? parsed[0]! : parsed;
    return key.verify(ctx.blob, ctx.signature, ctx.hashAlgo as never) === true;
  }
  if (ctx.method === 'password') return auth.password !== undefined && equalSecret(ctx.password, auth.password);
  return false;
}

function equalSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
