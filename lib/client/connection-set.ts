// The ssh2 connections a ChannelOpener makes to one host: the first, and
// further ones when the server refuses to open a channel on those there are.
// OpenSSH's MaxSessions counts channels per connection (10 by default; a
// channel just closed may still count for a moment), so a further
// connection takes as many again. Where one cannot be made (MaxStartups, a
// per-user limit, a refused login), the refusal stands, and the caller goes
// on with the channels it has (parts: fewer lanes; SFTP: fewer sessions).
import { ScpipeError, isScpipeError, throwIfAborted } from '../errors';
import { onAbort } from '../util/abort';
import type { Ssh2Connection } from '../transport/ssh2-transport';
import { sleep } from './retry';

/** Connections to one host in one run, at most: more would not be a polite client. */
export const MAX_CONNECTIONS = 4;
/** How long a channel waits for a connection of its own before it shares one (spread()). */
const SHARE_AFTER_MS = 2000;
/** Waits before asking a refusing connection again (about 3 s in all). */
const REFUSED_WAITS_MS = [50, 100, 200, 400, 800, 1600];

/** The server refused to open a channel (OpenSSH's MaxSessions and the like): a numeric reason. */
export function isChannelRefused(err: unknown): err is ScpipeError {
  return isScpipeError(err, 'ERR_REMOTE_EXIT') && typeof (err.cause as { reason?: unknown } | undefined)?.reason === 'number';
}

/** See the file comment. */
export class ConnectionSet {
  private readonly conns: Promise<Ssh2Connection>[] = [];
  private readonly open = new Map<number, number>(); // channels held on connection i (spread())
  private readonly released: (() => void)[] = []; // spread() calls waiting for a channel to go
  private readonly failed = new Set<number>(); // further connections that could not be made (spread())
  private full = false;

  constructor(
    private readonly connect: (signal: AbortSignal) => Promise<Ssh2Connection>,
    private readonly log?: (line: string) => void,
    /** Whether a server takes one channel per connection at most at a time (server-quirks.ts). */
    private readonly alone?: (conn: Ssh2Connection) => string | undefined,
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
  async use<T>(signal: AbortSignal, open: (conn: Ssh2Connection) => Promise<T>, until?: (value: T) => Promise<unknown>, aloneWhy?: string): Promise<T> {
    let conn = await this.first(signal);
    // aloneWhy: this channel must never share its connection (waits for one instead).
    if (until && aloneWhy) return this.spread(signal, open, until, aloneWhy, false, false);
    const why = until && this.alone?.(conn);
    if (why) return this.spread(signal, open, until, why);
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

  // A channel on a connection that holds none (made now, up to
  // MAX_CONNECTIONS; else the first to let its channel go, waited for a
  // moment), else on the one holding fewest: some callers hold several
  // sessions at once and must not wait for each other. Held until `until`
  // settles (the server's close: its command has ended by then).
  private async spread<T>(signal: AbortSignal, open: (conn: Ssh2Connection) => Promise<T>, until: (value: T) => Promise<unknown>, why: string, waited = false, share = true): Promise<T> {
    const held = (i: number): number => this.open.get(i) ?? 0;
    let i = this.conns.findIndex((_, j) => held(j) === 0 && !this.failed.has(j));
    if (i < 0 && !waited && (this.full || this.conns.length >= MAX_CONNECTIONS)) {
      await new Promise<void>((resolve) => {
        const timer = share ? setTimeout(done, SHARE_AFTER_MS) : undefined;
        const unlink = onAbort(signal, done);
        const waiting = this.released;
        waiting.push(done);
        function done(): void {
          clearTimeout(timer);
          unlink();
          if (waiting.includes(done)) waiting.splice(waiting.indexOf(done), 1);
          resolve();
        }
      });
      throwIfAborted(signal);
      return this.spread(signal, open, until, why, share, share);
    }
    if (i < 0 && !this.full && this.conns.length < MAX_CONNECTIONS) {
      i = this.conns.length;
      this.conns.push(this.connect(signal));
      this.conns[i]!.then(
        () => this.log?.(`${why}: opened connection ${i + 1} for a channel of its own`),
        () => (this.full = true),
      );
    }
    if (i < 0) i = this.conns.reduce((best, _, j) => (!this.failed.has(j) && held(j) < held(best) ? j : best), 0);
    this.open.set(i, held(i) + 1);
    const release = (): void => {
      this.open.set(i, held(i) - 1);
      this.released[0]?.();
    };
    let conn: Ssh2Connection;
    try {
      conn = await this.conns[i]!;
    } catch (err) {
      release();
      if (i === 0) throw err;
      this.failed.add(i);
      return this.spread(signal, open, until, why, waited, share); // a further connection failed: the others serve
    }
    try {
      const value = await open(conn);
      until(value).then(release, release);
      return value;
    } catch (err) {
      release();
      throw err;
    }
  }

  /** Closes every connection made. */
  close(): void {
    for (const c of this.conns) c.then((conn) => conn.close(), () => undefined);
  }

  /** Ends every connection made at once, with what is queued on it (Ssh2Connection.drop()). */
  drop(): void {
    for (const c of this.conns) c.then((conn) => conn.drop(), () => undefined);
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
