// The time limits of an ssh2 connection's set-up (handshake-clock.ts runs
// them), and the one place that words a timeout: which bound ran out, in
// which phase, and where the number came from.
import { ScpipeError } from '../errors';
import type { Bound, Phase } from './handshake-clock';
import type { ResolvedHost } from './resolved-host';
import { testLowered } from '../util/test-waits';

/** ConnectTimeout's stand-in where a bound is needed and none was given (the TCP connect's too). */
export const DEFAULT_CONNECT_TIMEOUT_MS = testLowered('CONNECT_TIMEOUT_MS', 30_000);
/** The least a login is given, whatever ConnectTimeout says (a slow PAM or LDAP login is no dead server). */
const MIN_LOGIN_MS = testLowered('MIN_LOGIN_MS', 20_000);

const WAITING: Record<Phase, string> = {
  banner: "waiting for the server's version line",
  kex: 'in the key exchange',
  login: "waiting for the server's answer to the login",
};

/**
 * `interactive`: someone may be asked (no BatchMode). `reconnection`: another
 * connection of the run got through its login (a retry's): no one is asked in
 * its key exchange, so it is bounded without ConnectTimeout too.
 */
export function handshakeBounds(host: ResolvedHost, how: { interactive: boolean; reconnection?: boolean }, log?: (line: string) => void): Bound[] {
  const ct = host.connectTimeoutMs;
  const timeout = (phase: Phase, why: string): ScpipeError => {
    log?.(`timed out ${WAITING[phase]}`);
    return new ScpipeError('ERR_CONNECT_TIMEOUT', `${host.user}@${host.hostname}: ${why}`, { host: host.hostname });
  };
  const bounds: Bound[] = [];
  // ConnectTimeout bounds the banner and the key exchange, as ssh_config(5)
  // says, counted from the connection made (a ProxyJump's own
  // set-up is not charged to it); a reconnection's, without it, 30 s.
  const connect = ct ?? (how.reconnection ? DEFAULT_CONNECT_TIMEOUT_MS : undefined);
  const defaulted = ct === undefined ? ', the default for a reconnection' : '';
  if (connect !== undefined) {
    bounds.push({ ms: connect, phases: ['banner', 'kex'], error: (phase) => timeout(phase, `timed out during the SSH handshake (ConnectTimeout ${connect / 1000} s${defaulted})`) });
  }
  const login = Math.max(ct ?? DEFAULT_CONNECT_TIMEOUT_MS, MIN_LOGIN_MS);
  if (!how.interactive) {
    // No one to ask (BatchMode): the key exchange and the login together, where ssh has no bound.
    bounds.push({ ms: login, phases: ['banner', 'kex', 'login'], error: (phase) => timeout(phase, `timed out during the SSH handshake (no login within ${login / 1000} s)`) });
  } else if (how.reconnection) {
    // A reconnection's login where someone may be asked (a passphrase, a one-time code): a hung PAM or LDAP held the retry without end.
    const given = ct === undefined ? defaulted : login > ct ? `; a login is given ${MIN_LOGIN_MS / 1000} s at least` : '';
    bounds.push({
      ms: login,
      phases: ['login'],
      error: (phase) => timeout(phase, `timed out during the SSH login: the server finished the key exchange, then did not answer for ${login / 1000} s (ConnectTimeout ${connect! / 1000} s${given})`),
    });
  }
  return bounds;
}
