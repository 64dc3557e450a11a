// A cap on the logged-in connections of one key (--max-connections-per-key),
// so that one client, compromised or looping, cannot hold every descriptor
// and the memory of the server while the other keys' backups wait. A login
// without a key (a password every client shares, --no-auth) tells no client
// from another but by its address: those are counted per address. sshd has
// no such cap: its MaxSessions counts the channels of one connection, and
// MaxStartups and PerSourceMaxStartups connections not logged in yet.
import type { Connection, ServerChannel } from 'ssh2';
import { KeyCounts } from '../util/key-counts';

/**
 * How long a connection refused by the cap is left open for its client to
 * ask for a session and be told why; then it is closed, so it holds no
 * descriptor for longer whatever the client does.
 */
export const REFUSED_LINGER_MS = 5_000;

/** Logged-in connections per key: a count each, so an admission costs no scan. */
export class KeyConnections {
  private readonly held = new KeyCounts<string>();

  constructor(private readonly max: number) {}

  /**
   * Counts a connection of `login` (`key SHA256:…`), or of address `ip` for
   * a login without a key: the function that frees it when it closes, or,
   * past the cap, how many it holds already.
   */
  admit(login: string, ip: string): (() => void) | number {
    const counted = login.startsWith('key ') ? login : `address ${ip}`;
    const now = this.held.get(counted);
    if (now >= this.max) return now;
    return this.held.take(counted);
  }
}

/**
 * Answers every session of a connection refused by the cap with `why` on
 * its stderr (OpenSSH's ssh, scp and sftp print it) and closes the
 * connection once that is said, or after REFUSED_LINGER_MS.
 */
export function refuseConnection(client: Connection, why: string): void {
  const timer = setTimeout(() => client.end(), REFUSED_LINGER_MS);
  timer.unref();
  client.once('close', () => clearTimeout(timer));
  let asked = false;
  client.on('session', (accept, reject) => {
    // One is told; more in the seconds left would only cost the server.
    if (asked) return reject();
    asked = true;
    const session = accept();
    const answer = (acceptIt: () => ServerChannel): void => {
      const channel = acceptIt();
      channel.stderr.write(`scpipe serve: ${why}\n`);
      channel.exit(1);
      channel.end();
    };
    session.on('exec', (acceptExec) => answer(acceptExec));
    session.on('subsystem', (acceptSubsystem) => answer(acceptSubsystem));
    session.on('shell', (acceptShell) => answer(acceptShell));
    session.on('pty', (_a, reject) => reject?.());
  });
  client.on('tcpip', (_a, reject) => reject?.());
  client.on('request', (_a, reject) => reject?.());
}
