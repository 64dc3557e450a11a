// The sockets of `scpipe serve` before SSH: each admitted by the MaxStartups
// gate (connection-limits.ts) or refused in sshd's words, and kept until
// ssh2 takes a version line from it, so that a silent one is logged as sshd
// logs it and close() can destroy it.
import type { Socket } from 'node:net';
import type { ConnectionGate, Startup } from './connection-limits';
import type { Draining } from './draining';
import { plainAddress } from './plain-address';
import type { RepeatedLines } from './repeated-lines';

/** Every accepted socket, and those not logged in or not identified yet. */
export class AcceptedSockets {
  /** Every accepted socket still open, for close(). */
  readonly all = new Set<Socket>();
  // Admitted connections not logged in yet, by "address port" (unique while open).
  private readonly startups = new Map<string, Startup>();
  // Sockets ssh2 has not made a connection of yet (no version line from the
  // client): close() destroys them, or a silent one holds it for the login grace time.
  private readonly unidentified = new Map<string, Socket>();

  constructor(
    private readonly gate: ConnectionGate,
    private readonly log: (line: string) => void,
    private readonly draining: Draining,
    private readonly repeats: RepeatedLines,
  ) {}

  /** Takes a new socket; false when the gate refused it (it is closed then). */
  admit(socket: Socket): boolean {
    const { log } = this;
    socket.setNoDelay(true);
    this.all.add(socket);
    socket.once('close', () => this.all.delete(socket));
    socket.setKeepAlive(true); // sshd's TCPKeepAlive yes: a peer gone without a word is found, in the kernel's time
    const ip = plainAddress(socket.remoteAddress ?? '?');
    const port = socket.remotePort ?? 0;
    let timedOut = false;
    const startup = this.gate.admit(socket, ip, () => {
      timedOut = true;
      log(`Timeout before authentication for ${ip} port ${port}`);
    });
    if (typeof startup === 'string') {
      this.repeats.line(ip, 'drop connection', `drop connection from ${ip} port ${port}: ${startup}`);
      socket.on('error', () => undefined);
      // sshd's words, before any version line; then the descriptor is freed
      // at once (a paused socket would never read the peer's FIN).
      socket.end('Exceeded MaxStartups\r\n', () => socket.destroy());
      return false;
    }
    const key = `${ip} ${port}`;
    this.startups.set(key, startup);
    this.unidentified.set(key, socket);
    socket.once('close', () => {
      // Closed before ssh2 took a version line from it (a scanner, an HTTP
      // request, an SSH-1 client that ssh2 hung up on): said in sshd's older
      // words, which fail2ban's sshd filter matches in its "ddos" mode.
      if (this.unidentified.has(key) && !timedOut && !this.draining.active) log(`Did not receive identification string from ${ip} port ${port}`);
      this.startups.delete(key);
      this.unidentified.delete(key);
    });
    return true;
  }

  /** ssh2 made a connection of the socket from `ip` `port`. */
  identified(ip: string, port: number): void {
    this.unidentified.delete(`${ip} ${port}`);
  }

  /** The client at `ip` `port` logged in: its startup slot is free again. */
  authenticated(ip: string, port: number): void {
    this.startups.get(`${ip} ${port}`)?.authenticated();
  }

  /** Destroys the sockets ssh2 has not identified yet. */
  dropUnidentified(): void {
    for (const socket of this.unidentified.values()) socket.destroy();
  }

  /** Resolves once every socket open now has closed. */
  closed(): Promise<unknown> {
    return Promise.all([...this.all].map((s) => new Promise((r) => s.once('close', r))));
  }
}
