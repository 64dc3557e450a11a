// Adapts an ssh2 server-side exec channel to the ScpChannel the roles use.
// The roles end their output with `stdin.end()`, but an ssh2 server channel
// closes on end(), before we could send the exit status; so the roles write
// into a PassThrough that is piped on without ending the channel, and
// `close(status)` sends the exit status and then ends the channel. Its
// receive window is widened to the link, as a client's (ssh2-window.ts), so
// uploads over a long link are not capped near 2 MiB per round trip.
// destroy() by a role is close(1): what it wrote still reaches the client.
// ssh2 never says 'close' of a channel whose connection went while it was
// full (a client that stopped reading, then was killed): `hangup`, the
// connection's own end, stands for it, or close() would wait for good.
import { PassThrough } from 'node:stream';
import type { ServerChannel } from 'ssh2';
import type { ExitStatus, ScpChannel } from '../protocol/channel';
import { widenReceiveWindow } from '../transport/ssh2-window';
import { onAbort } from '../util/abort';
import { joinSmallPackets } from './small-packets';

/**
 * The most a client may send into serve ahead of what serve has taken (scp
 * uploads and the SFTP subsystem). Smaller than a client's 16 MiB: what
 * goes beyond the link's bytes in flight waits in the sending OpenSSH's
 * buffer, which it copies as it grows. 8 MiB made uploads at 20 ms ~30%
 * faster than 4 MiB, idle and with two CPU burners, for ~1 CPU-s per GiB
 * more in OpenSSH's client; 16 MiB cost that client 10-13 CPU-s per 256 MiB
 * on a busy machine and made the upload 3x slower (docs/performance.md §3).
 */
export const SERVE_RECEIVE_WINDOW = 8 * 1024 * 1024;

/** A ScpChannel over a server exec channel, plus how to finish it. */
export interface ServedChannel {
  channel: ScpChannel;
  /** Waits for the role's output to reach the channel, sends `code`, closes. */
  close(code: number): Promise<void>;
  /** The client has sent its EOF and not closed the channel (nor lost the connection). */
  clientEof(): boolean;
  /** The client has sent its EOF or closed the channel, over a connection still up. */
  clientEnded(): boolean;
}

/** Wraps `stream`; see the file comment. */
export function serveChannel(stream: ServerChannel, connected: () => boolean = () => true, hangup?: AbortSignal): ServedChannel {
  joinSmallPackets(stream); // before the window's own wrapping of the channel
  widenReceiveWindow(stream, SERVE_RECEIVE_WINDOW);
  const out = new PassThrough({ highWaterMark: 1024 * 1024 });
  out.pipe(stream, { end: false });
  const outDone = new Promise<void>((resolve) => {
    out.once('end', resolve);
    out.once('close', resolve);
  });
  const stderr = new PassThrough();
  stderr.end(); // the client is the only peer; it has no stderr for us
  stream.on('error', () => undefined); // a vanished client surfaces as EOF
  // A client that vanished will never read what is still queued for it.
  let hungUp = false;
  let wake = (): void => undefined;
  const gone = new Promise<void>((resolve) => (wake = resolve)).then(() => {
    hungUp = true;
    out.destroy();
  });
  stream.once('close', () => wake());
  const unwatch = hangup?.aborted ? (wake(), () => undefined) : onAbort(hangup, () => wake());
  const exit = outDone.then((): ExitStatus => ({ code: 0, signal: null }));
  let closing: Promise<void> | undefined;
  // The first close decides the status; later calls wait for it.
  const close = (code: number): Promise<void> =>
    (closing ??= (async () => {
      if (!out.writableEnded) out.end();
      await outDone;
      if (stream.writableNeedDrain && !hungUp) await Promise.race([new Promise((r) => stream.once('drain', r)), gone]);
      unwatch();
      if (!hungUp && !stream.destroyed && stream.writable) {
        stream.exit(code);
        stream.end();
      }
    })());
  // A role that gives up (a protocol error, a stop) destroys its channel: its
  // last `\1` still goes out, then exit status 1, as OpenSSH's scp exits 1.
  const channel: ScpChannel = { stdout: stream, stdin: out, stderr, exit, destroy: () => void close(1) };
  // ssh2 keeps the client's half in `incoming.state`: 'eof' after its
  // CHANNEL_EOF, 'closed' once it closed the channel or the connection dropped.
  const incoming = (): string | undefined => (stream as unknown as { incoming?: { state?: string } }).incoming?.state;
  const clientEof = (): boolean => incoming() === 'eof';
  const clientEnded = (): boolean => (incoming() === 'eof' || incoming() === 'closed') && connected();
  return { channel, close, clientEof, clientEnded };
}
