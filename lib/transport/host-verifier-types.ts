// What createHostVerifier() (host-verifier.ts) takes and gives: the
// options of one connection's host key check, and the ssh2 verifier that
// remembers why it refused.
import type { ScpipeError } from '../errors';
import type { ResolvedHost } from './ssh-config';

/** What an interactive caller is shown before trusting a new key. */
export interface FirstConnectInfo {
  /** The known_hosts name, e.g. `[127.0.0.1]:2222`. */
  name: string;
  keyType: string;
  fingerprint: string;
}

/** Input of createHostVerifier(). */
export interface HostVerifierOptions {
  /** Read (never changed) for the known_hosts files and StrictHostKeyChecking. */
  host: Readonly<ResolvedHost>;
  /** -v detail. */
  log?: (line: string) => void;
  /** What ssh shows at its default log level: the changed-key warning, "Permanently added". Default: log. */
  warn?: (line: string) => void;
  /** The server's IP address once connected, for CheckHostIP (none through a proxy, as in ssh). */
  address?: () => string | undefined;
  /**
   * Asked for an unknown key when StrictHostKeyChecking is ask (host.hostKeyAsk):
   * true to trust and record it, false to refuse; null (no terminal) or
   * absent: refuse like `yes`, saying how to add the key.
   */
  onFirstConnect?: (info: FirstConnectInfo) => Promise<boolean | null> | boolean | null;
  /**
   * The keys earlier connections of this run accepted with no known_hosts
   * line (UserKnownHostsFile=/dev/null, a file it could not write), by
   * known_hosts name: a reconnection after a lost connection is held to the
   * key it began with, as a re-key is, and is not asked about again.
   */
  earlier?: Map<string, Buffer>;
}

/** An ssh2 `hostVerifier` that remembers why it refused. */
export interface HostVerifier {
  /** A re-key's answer comes at once (a boolean); the first key's through `verify`. */
  (key: Buffer, verify: (ok: boolean) => void): boolean | void;
  /** The same function, for `hostVerifier: verifier.verify`. */
  verify: (key: Buffer, verify: (ok: boolean) => void) => boolean | void;
  /** Why the last key was refused (ERR_HOST_KEY_UNKNOWN / _CHANGED / ERR_CONFIG). */
  failure(): ScpipeError | undefined;
  /**
   * False once a changed key was accepted under StrictHostKeyChecking=no: as
   * ssh, send no password or keyboard-interactive answer to a host that may
   * be an impostor. For the auth handler (AuthContext.passwordsAllowed).
   */
  passwordsAllowed(): boolean;
}
