// One `sftp` subsystem channel of `scpipe serve`: reads packets from the
// channel, runs them against the jail (dispatch.ts) in the order rules of
// scheduler.ts, writes the replies. Bounded whatever the client queues:
//   - the client's send window is widened to the link as for scp uploads
//     (ssh2-window.ts, up to SERVE_RECEIVE_WINDOW): OpenSSH's sftp keeps up
//     to 64 writes of 255 KiB in flight, which ssh2's fixed 2 MiB window cut
//     to a few per round trip.
//     The round trip is timed from our VERSION to the client's next request
//     (its INIT does not wait for the subsystem's reply);
//   - at most MAX_QUEUED requests (and MAX_QUEUED_BYTES of them) wait
//     (request-queue.ts); then the channel is paused;
//   - while the channel cannot take more replies (a client that does not
//     read), no new request starts, so replies never pile up beyond the
//     MAX_RUNNING already running.
// When the channel closes, the requests still running finish, then every
// handle is closed (with a log line for each file left open). While the
// server drains (draining.ts), the session ends itself once idle: no file
// open, nothing running or waiting, and no request for QUIET_MS (a client
// between two files of one copy opens the next one at once).
import type { ServerChannel } from 'ssh2';
import { widenReceiveWindow } from '../../transport/ssh2-window';
import { onAbort, ownController } from '../../util/abort';
import { escapeForTerminal } from '../../util/escape';
import { SERVE_RECEIVE_WINDOW } from '../server-channel';
import { joinSmallPackets } from '../small-packets';
import type { OpsContext } from './context';
import { dispatch } from './dispatch';
import { PacketFramer } from './framer';
import { closeLeftOpen } from './left-open';
import { versionReply } from './replies';
import { RequestQueue } from './request-queue';
import { ADVERTISED_EXTENSIONS, decodeRequest, opensshSymlinkOrder, type Request } from './requests';
import { canStart } from './scheduler';
import { sessionContext, type SftpSessionOptions } from './session-options';
import { BadPacket, PacketReader, REQ } from './wire';

/** While draining, how long a session with nothing open must be silent before it is ended. */
export const QUIET_MS = 2_000;

/** Serves SFTP on `channel` until it closes; resolves when every handle is closed. */
export function runSftpSession(channel: ServerChannel, opts: SftpSessionOptions): Promise<void> {
  return new SftpSession(channel, opts).done;
}

class SftpSession {
  readonly done: Promise<void>;
  private readonly ctx: OpsContext;
  private readonly framer = new PacketFramer();
  private readonly queue = new RequestQueue();
  private readonly running = new Set<Request>();
  private readonly replies: Array<{ packet?: Buffer }> = []; // one per request started, in order
  private initialised = false;
  private readonly sizeWindowFromNow: () => void;
  private ended = false; // the client sent EOF or the channel closed: read nothing more
  private closed = false; // the channel closed: nothing waiting will run
  private finishing = false;
  private blocked = false; // the channel's buffer is full: start nothing
  private finish!: () => void;
  private lastRequest = performance.now();
  private idleTimer?: NodeJS.Timeout;
  private stopDrainWatch: () => void = () => undefined;
  private readonly gone = ownController();
  private readonly stopCutWatch: () => void;
  private readonly stopHangupWatch: () => void;
  private readonly opensshOrder: boolean;
  private readonly isAppend = (handle: Buffer): boolean => {
    try {
      const e = this.ctx.handles.get(handle);
      return e.kind === 'file' && e.append;
    } catch {
      return false;
    }
  };

  constructor(private readonly channel: ServerChannel, private readonly opts: SftpSessionOptions) {
    this.done = new Promise((resolve) => (this.finish = resolve));
    this.opensshOrder = opensshSymlinkOrder(opts.clientIdent);
    this.ctx = sessionContext(opts, this.gone.signal);
    joinSmallPackets(channel); // before the window's own wrapping of the channel
    this.sizeWindowFromNow = widenReceiveWindow(channel, SERVE_RECEIVE_WINDOW);
    channel.on('data', (chunk: Buffer) => {
      this.lastRequest = performance.now();
      this.framer.push(chunk);
      this.pump();
    });
    channel.on('drain', () => {
      this.blocked = false;
      this.pump();
    });
    channel.on('error', () => undefined); // a vanished client surfaces as close
    channel.once('end', () => {
      this.ended = true;
      this.pump();
    });
    channel.once('close', () => this.lost());
    this.stopHangupWatch = onAbort(opts.hangup, () => this.lost());
    // Removed as the session ends: the signal lives as long as the server, and would keep every session ended.
    this.stopCutWatch = onAbort(opts.cut, () => this.gone.abort());
    if (opts.cut?.aborted) this.gone.abort();
    if (opts.drain?.aborted) this.endIfIdle();
    else this.stopDrainWatch = onAbort(opts.drain, () => this.endIfIdle());
  }

  // The channel closed, or the connection under it: nothing waiting will run.
  private lost(): void {
    if (this.closed && this.gone.signal.aborted) return;
    this.gone.abort();
    this.ended = this.closed = true;
    this.queue.clear();
    this.pump();
  }

  // Draining: ends the session once idle (see the file comment), else looks again later.
  private endIfIdle(): void {
    if (this.ended) return;
    const quietFor = performance.now() - this.lastRequest;
    const files = this.ctx.handles.files();
    if (files === 0 && this.running.size === 0 && this.queue.length === 0 && quietFor >= QUIET_MS) {
      this.ended = this.closed = true; // what arrives now is not run
      this.maybeFinish();
      return;
    }
    this.idleTimer = setTimeout(() => this.endIfIdle(), Math.max(QUIET_MS - quietFor, 100));
  }

  // Moves packets into the queue, starts what may start, and pauses or
  // resumes the channel by how full the queue is.
  private pump(): void {
    if (!this.closed) {
      try {
        this.fill();
      } catch (err) {
        this.fatal(err);
        return;
      }
    }
    while (!this.blocked && this.queue.length > 0 && canStart(this.queue.first()!, this.running, this.isAppend)) {
      this.start(this.queue.shift());
    }
    const full = this.queue.full;
    if (this.ended) this.maybeFinish();
    else if (full && !this.channel.isPaused()) this.channel.pause();
    else if (!full && this.channel.isPaused()) this.channel.resume();
  }

  private fill(): void {
    while (!this.queue.full) {
      const payload = this.framer.next();
      if (!payload) return;
      if (!this.initialised) {
        this.init(payload);
        continue;
      }
      const req = decodeRequest(payload, { opensshSymlinkOrder: this.opensshOrder });
      this.queue.push(req, payload.length);
    }
  }

  private init(payload: Buffer): void {
    const r = new PacketReader(payload);
    if (r.u8() !== REQ.INIT) throw new BadPacket('expected INIT');
    r.u32(); // the client's version: we speak 3, as sftp-server, whatever it asks
    this.initialised = true;
    this.sizeWindowFromNow();
    this.send(versionReply(ADVERTISED_EXTENSIONS));
  }

  private start(req: Request): void {
    this.running.add(req);
    const slot: { packet?: Buffer } = {};
    this.replies.push(slot);
    void dispatch(this.ctx, req).then((reply) => {
      this.running.delete(req);
      slot.packet = reply;
      this.flush();
      this.pump();
    });
  }

  // Replies leave in the order the requests came, as from sftp-server:
  // OpenSSH's sftp and scp (9.2) truncate an in-place download at the
  // first READ answered out of order.
  private flush(): void {
    while (this.replies.length > 0 && this.replies[0]!.packet) this.send(this.replies.shift()!.packet!);
  }

  private send(packet: Buffer): void {
    if (this.closed || this.channel.destroyed || !this.channel.writable) return;
    if (!this.channel.write(packet)) this.blocked = true;
  }

  private fatal(err: unknown): void {
    const why = err instanceof Error ? err.message : String(err);
    this.opts.log(`${this.opts.who} sftp session ended: ${escapeForTerminal(why)}`);
    this.ended = this.closed = true;
    this.queue.clear();
    this.channel.close();
    this.maybeFinish();
  }

  // Once nothing runs or waits: every handle still open is closed, then the channel.
  private maybeFinish(): void {
    if (this.finishing || this.running.size > 0 || (this.queue.length > 0 && !this.closed)) return;
    this.finishing = true;
    clearTimeout(this.idleTimer);
    this.stopDrainWatch();
    this.stopCutWatch();
    this.stopHangupWatch();
    void closeLeftOpen(this.ctx, this.opts.cut).then(() => {
      if (!this.channel.destroyed && this.channel.writable) {
        this.channel.exit(0);
        this.channel.end();
      }
      this.finish();
    });
  }
}
