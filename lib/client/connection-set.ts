// The ssh2 connections a ChannelOpener makes to one host: the first, and
// further ones when the server refuses to open a channel on those there are.
// OpenSSH's MaxSessions counts channels per connection (10 by default; a
// channel just closed may still count for a moment), so a further
// connection takes as many again. Where one cannot be made (MaxStartups, a
// per-user limit, a refused login), the refusal stands, and the caller goes
// on with the channels it has (parts: fewer lanes; SFTP: fewer sessions).
import { ScpipeError, isScpipeError } from '../errors';
import type { Ssh2Connection } from '../transport/ssh2-transport';
import { sleep } from './retry';

/** Connections to one host in one run, at most: more would not be a polite client. */
export const MAX_CONNECTIONS = 4;
/** Waits before asking a refusing connection again (about 3 s in all). */
const REFUSED_WAITS_MS = [50, 100, 200, 400, 800, 1600];

/** The server refused to open a channel (OpenSSH's MaxSessions and the like): a numeric reason. */
export function isChannelRefused(err: unknown): err is ScpipeError {
  return isScpipeError(err, 'ERR_REMOTE_EXIT') && typeof (err.cause as { reason?: unknown } | undefined)?.reason === 'number';
}

/** See the file comment. */
export class ConnectionSet {
  private readonly conns: Promise<Ssh2Connection>[] = [];
  private full = false;

  constructor(
    private readonly connect: (signal: AbortSignal) => Promise<Ssh2Connection>,
    private readonly log?: (line: string) => void,
  ) {}

  /** The first connection (made on first use). */
  first(signal: AbortSignal): Promise<Ssh2Connection> {
    if (this.conns.length === 0) this.conns.push(this.connect(signal));
    return this.conns[0]!;
  }

  /**
   * Runs `open` on the first connection that does not refuse the channel.
   * Where no further connection can be made, asks again after a moment, a
   * few times: the server may still count a channel that has just closed.
   */
  async use<T>(signal: AbortSignal, open: (conn: Ssh2Connection) => Promise<T>): Promise<T> {
    let conn = await this.first(signal);
    let waits = 0;
    for (let i = 0; ; ) {
      try {
        return await open(conn);
      } catch (err) {
        if (!isChannelRefused(err)) throw err;
        const next = this.at(i + 1, signal, err);
        const further = next && (await next.catch(() => undefined));
        if (further) {
          conn = further;
          i++;
          continue;
        }
        if (waits >= REFUSED_WAITS_MS.length) throw err;
        await sleep(REFUSED_WAITS_MS[waits++]!, signal);
      }
    }
  }

  /** Closes every connection made. */
  close(): void {
    for (const c of this.conns) c.then((conn) => conn.close(), () => undefined);
  }

  // Connection `i`, made now if it is the next one and may be made.
  private at(i: number, signal: AbortSignal, refusal: ScpipeError): Promise<Ssh2Connection> | undefined {
    if (i < this.conns.length) return this.conns[i];
    if (this.full || i >= MAX_CONNECTIONS) return undefined;
    const made = this.connect(signal);
    this.conns.push(made);
    made.then(
      () => this.log?.(`${refusal.message}: opened connection ${i + 1} for further channels`),
      (err: unknown) => {
        this.full = true;
        this.log?.(`${refusal.message}; a further connection failed too (${(err as Error).message})`);
      },
    );
    return made;
  }
}
