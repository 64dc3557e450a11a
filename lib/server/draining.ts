// A graceful stop, as sshd's is: its listener exits and every logged-in
// connection carries on to the end of its session. Here, once draining,
// nothing new is accepted (connections, sessions, commands) and each
// connection is ended as soon as no session of it runs; an SFTP session ends
// itself once idle (sftp/session.ts). What still runs at the bound is cut
// by close() (server.ts).
import type { ServerChannel } from 'ssh2';
import { ownController } from '../util/abort';
import { KeyCounts } from '../util/key-counts';
import { longTimeout } from '../util/long-timeout';

/**
 * How long a connection whose last session ended is left to its client to
 * close. OpenSSH's ssh exits once its session closed; a disconnect that
 * reaches it first makes it exit 255 ("Received disconnect"), and scp fail,
 * after a transfer that succeeded.
 */
export const CLIENT_HANGUP_MS = 1_000;

/** What draining ends: an ssh2 Connection. */
export interface Endable {
  end(): unknown;
}

/** Sessions running per connection, and the start of draining. */
export class Draining {
  private readonly controller = ownController();
  private readonly running = new KeyCounts<Endable>();

  /** Aborts when draining starts; SFTP sessions listen to it. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get active(): boolean {
    return this.controller.signal.aborted;
  }

  /** A session of `conn` started; returns what to call when it ended. */
  started(conn: Endable): () => void {
    const giveBack = this.running.take(conn);
    return () => {
      if (giveBack() === 0 && this.active) setTimeout(() => conn.end(), CLIENT_HANGUP_MS).unref();
    };
  }

  /** Starts draining: every connection of `all` with no session running is ended now. */
  start(all: Iterable<Endable>): void {
    if (this.active) return;
    this.controller.abort();
    for (const conn of all) if (!this.running.has(conn)) conn.end();
  }
}

/** A command or subsystem asked for as the server stops: refused, with the reason on stderr. */
export function refuseStopping(channel: ServerChannel): void {
  channel.stderr.write('scpipe serve: the server is shutting down\n');
  channel.exit(1);
  channel.end();
}

/** Whether `work` settled within `ms`. */
export async function settleWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let cancel: (() => void) | undefined;
  const late = new Promise<false>((resolve) => (cancel = longTimeout(() => resolve(false), ms)));
  const outcome = await Promise.race([work.then(() => true), late]);
  cancel?.();
  return outcome;
}
