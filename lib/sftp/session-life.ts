// The life of one SFTP channel, for SftpSession (session.ts): how it ended,
// and how each request on it settles. ssh2 fails every pending request when
// the channel ends, but silently drops a request made after that (it never
// writes to a closed channel, and never answers): so a request on an ended
// session fails here at once instead of hanging. A server that breaks the
// protocol (violations.ts) fails every pending request with ERR_PROTOCOL at
// once and ends the session. A channel lost while nothing is pending is told
// to onLost() listeners.
import type { SFTPWrapper } from 'ssh2';
import { ScpipeError } from '../errors';
import { escapeForTerminal } from '../util/escape';
import { SERVER_ENDED, sessionEnded, sftpError } from './status';
import { watchViolations } from './violations';
import type { Done } from './read-uncopied';
import type { StallWatch } from '../transport/stall-watch';
import { fitsKind, wrongKind, type ReplyKind } from './reply-kinds';
import { ReplyTypes } from './reply-types';
import type { NameTap } from './name-bytes';

/** See the file comment. */
export class SessionLife {
  private endedBy: string | undefined;
  private violation: ScpipeError | undefined;
  private readonly pending = new Set<(err: ScpipeError) => void>();
  private readonly lostListeners = new Set<() => void>();
  private lost = false; // ended by the channel, not by end() or a violation
  private readonly whyLost: () => string | undefined;
  private readonly types: ReplyTypes;

  /** `whyLost`: what the transport knows of a lost connection (ChannelOpener.whyLost); `tap`: frames the replies (reply-types.ts). */
  constructor(private readonly raw: SFTPWrapper, whyLost?: () => string | undefined, private readonly stall?: StallWatch, tap?: NameTap) {
    this.whyLost = () => stall?.reason ?? whyLost?.();
    const end = (why: string) => () => {
      stall?.stop();
      if (this.endedBy !== undefined) return;
      this.endedBy = why;
      this.lost = true;
      for (const tell of [...this.lostListeners]) tell();
    };
    raw.on('end', end(SERVER_ENDED));
    raw.on('close', end('the SFTP channel closed'));
    // Its end may have come before these listeners: ssh2 emits 'ready' and then
    // 'end' in one go when the channel ends before the limits@openssh.com reply.
    if ((raw as unknown as { readable?: unknown }).readable === false) end(SERVER_ENDED)();
    raw.on('error', () => undefined); // reaches the pending requests as their failure
    this.types = new ReplyTypes(raw, tap, (why) => this.violated(why));
    watchViolations(raw, (why) => this.violated(why));
  }

  /** The server broke the protocol (`why`): fails everything pending now, as a hostile server need not answer the close, and ends the session. */
  violated(why: string): void {
    if (this.violation) return;
    this.violation = new ScpipeError('ERR_PROTOCOL', `SFTP protocol error from the server: ${escapeForTerminal(why)}`);
    this.endedBy ??= this.violation.message;
    for (const fail of this.pending) fail(this.violation);
    this.pending.clear();
    setImmediate(() => this.raw.end()); // not from inside ssh2's packet handler
  }

  get ended(): boolean {
    return this.endedBy !== undefined;
  }

  /** SftpSession.onLost(). */
  onLost(path: string, listener: (err: ScpipeError) => void): () => void {
    const tell = (): void => {
      this.lostListeners.delete(tell);
      const err = new ScpipeError('ERR_LOST_CONNECTION', `${escapeForTerminal(path)}: write: ${sessionEnded(this.endedBy!)}`, { path });
      listener(this.explain(err, 'write'));
    };
    this.lostListeners.add(tell);
    if (this.lost) queueMicrotask(() => this.lostListeners.has(tell) && tell());
    return () => void this.lostListeners.delete(tell);
  }

  /** Runs `send`: the requests it makes must be answered by a reply of `kind` or a STATUS, else the session is violated. */
  expecting(what: string, path: string, kind: ReplyKind, send: () => void): void {
    this.types.expecting(what, path, kind, send);
  }

  /** A request `start`ed now, settled by its `done` or by the channel's end; a reply not of `kind` is a violation. */
  call<T>(what: string, path: string, start: (done: Done<T>) => void, kind?: ReplyKind): Promise<T> {
    if (this.violation) return Promise.reject(this.violation);
    if (this.endedBy !== undefined) {
      const ended = `${escapeForTerminal(path)}: ${what}: ${sessionEnded(this.endedBy)}`;
      return Promise.reject(this.explain(new ScpipeError('ERR_LOST_CONNECTION', ended, { path }), what));
    }
    return new Promise<T>((resolve, reject) => {
      const answered = this.stall?.wait(`the server's answer to an SFTP ${what}`); // the error names the path
      const fail = (err: ScpipeError): void => {
        answered?.();
        reject(err);
      };
      this.pending.add(fail);
      const done: Done<T> = (err, value) => {
        answered?.();
        this.pending.delete(fail);
        if (!err && kind !== undefined && !fitsKind(kind, value)) this.violated(wrongKind(what, path, kind, value));
        if (this.violation) reject(this.violation);
        else if (err) reject(this.explain(sftpError(err, what, path), what));
        else resolve(value as T);
      };
      try {
        if (kind === undefined) start(done);
        else this.expecting(what, path, kind, () => start(done));
      } catch (err) {
        done(err as Error); // ssh2 throws for an extension the server did not offer
      }
    });
  }

  // A lost session says why the connection went, when that is known (a keepalive timeout).
  private explain(err: ScpipeError, what: string): ScpipeError {
    const why = err.code === 'ERR_LOST_CONNECTION' ? this.whyLost?.() : undefined;
    if (why === undefined) return err;
    const where = err.path === undefined ? '' : `${escapeForTerminal(err.path)}: `;
    return new ScpipeError('ERR_LOST_CONNECTION', `${where}${what}: the SFTP session ended: ${why}`, { path: err.path, cause: err });
  }

  /** Ends the channel (pending requests fail). */
  end(): void {
    this.endedBy ??= 'the SFTP session was closed';
    this.raw.end();
  }
}
