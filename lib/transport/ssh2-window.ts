// A larger receive window for ssh2 exec channels, so downloads (and, on
// `scpipe serve`, uploads) are not capped near 2 MiB per round trip (ssh2's
// fixed window, lib/Channel.js).
import { performance } from 'node:perf_hooks';
import type { ClientChannel, ServerChannel } from 'ssh2';

/**
 * The most the server may send on one exec channel before we have read it.
 * ssh2 fixes its receive window at 2 MiB, which caps a download near
 * 2 MiB per round trip (about 45 MB/s at 20 ms). A stalled reader holds at
 * most this plus the stream's 2 MiB buffer in memory (and the sink's
 * ChunkReader queue, as much again).
 */
export const RECEIVE_WINDOW = 16 * 1024 * 1024;

// The window is sized to the link: round trip × this rate (1 MiB per ms,
// about 1 GB/s), between ssh2's 2 MiB and RECEIVE_WINDOW. Not always the
// maximum, because OpenSSH's sshd (8.9 to 9.x at least) reads as much of the
// remote scp's output as the window allows into a buffer that grows in small
// steps, each a fresh copy (sshbuf recallocarray): a 16 MiB window cost it
// much more CPU on loopback and halved the speed there, where 2 MiB already
// suffices (docs/performance.md §3).
const BYTES_PER_MS = 1024 * 1024;

// Refill once this much is used (ssh2's own cadence): the window the server
// sees stays nearly full, and each refill is one 9-byte message per MiB.
const REFILL_STEP = 1024 * 1024;

// The parts of ssh2's Channel (lib/Channel.js, ssh2 1.x) that its receive
// window lives in. Not public API: checked before use.
interface ChannelInternals {
  incoming: { window: number };
  outgoing: { id: number; state: string };
  _client: { _protocol: { channelWindowAdjust(id: number, amount: number): void } };
  _read(size: number): void;
  push(chunk: unknown, encoding?: BufferEncoding): boolean;
}

/**
 * The channels of one connection that share one window budget: a download
 * over several channels at once (a parts set's parts fetched ahead) gets
 * `bytes` in all, not `bytes` per channel. Where the link drains more slowly
 * than the remote `scp` writes (a long link, a busy machine), sshd holds up
 * to each channel's window in a buffer that it copies as it grows and
 * compacts (see BYTES_PER_MS), so its CPU grows with the window of every
 * channel: four 16 MiB windows cost it 6-16 CPU-s per 256 MiB where 2 MiB
 * windows cost under 1 (docs/performance.md §3).
 */
export interface SharedWindow {
  /** The channels open now that draw on the budget. */
  channels: number;
}

/**
 * Widens the receive window of `channel` beyond ssh2's 2 MiB, up to `bytes`,
 * with the protocol's own CHANNEL_WINDOW_ADJUST (RFC 4254 §5.2). A client
 * channel (the remote's stdout and stderr share the window) or a server
 * channel (the client's stdin).
 *
 * Sizing: the time from this call to the first byte the peer sends is one
 * round trip plus the peer's start-up (a remote `scp -f` answers the \0 we
 * send first; a client of `scp -t` answers ours). `roundTripBoundMs`, when
 * the caller measured one, caps that estimate: execChannel passes half the
 * time the channel open and the exec request took (two round trips, and a
 * fork on the server), which leaves out the remote `scp`'s start-up. On
 * loopback that start-up was most of the first byte's delay (2-6 ms through
 * an rssh-like wrapper, so a 2-6 MiB window where 2 MiB suffices, and sshd
 * pays for a larger one: see BYTES_PER_MS). The window becomes the estimate
 * × BYTES_PER_MS, at least ssh2's window and at most `bytes` (and 2^32-1,
 * the protocol's limit). Until then, ssh2's window applies.
 *
 * Accounting stays ssh2's: `incoming.window` is always exactly what the
 * server may still send. Each adjust we send adds the same amount to it,
 * and ssh2 subtracts every packet it receives, so it never sees data beyond
 * the window (it drops a packet that arrives at window 0), and its own
 * refill (back to 2 MiB once at or below 1 MiB) finds nothing to do while
 * the window is larger. The window never exceeds the target.
 *
 * Memory: refills happen only in `_read`, which Node calls when the reader
 * wants more, and only while stdout and stderr are below their
 * highWaterMark. A reader that stops reading stops the refills; the server
 * then stops after at most the window. So a stalled download holds at most
 * the target plus the stream buffer (plus the sink's ChunkReader queue,
 * which pauses the stream at the same highWaterMark).
 *
 * The returned function sizes the window again, from the next data the
 * peer sends after the call: for a peer whose first data does not wait for
 * a round trip. OpenSSH's sftp sends its INIT right behind the subsystem
 * request, without waiting for the reply, so `scpipe serve` times the
 * client's first request after its VERSION instead (sftp/session.ts).
 *
 * If ssh2's internals are not what this expects (another major version),
 * nothing is changed and ssh2's own window applies.
 */
export function widenReceiveWindow(channel: ClientChannel | ServerChannel, bytes: number, roundTripBoundMs = Infinity, shared?: SharedWindow): () => void {
  const ch = channel as unknown as Partial<ChannelInternals>;
  const protocol = ch._client?._protocol;
  const unchanged = (): void => undefined;
  if (typeof ch.incoming?.window !== 'number' || typeof ch.outgoing?.id !== 'number' ||
      typeof protocol?.channelWindowAdjust !== 'function' || typeof ch._read !== 'function' ||
      typeof ch.push !== 'function') return unchanged;
  const internals = ch as ChannelInternals;
  const floor = internals.incoming.window;
  const ceiling = Math.min(Math.floor(bytes), 2 ** 32 - 1);
  if (ceiling <= floor) return unchanged;
  let target = floor;
  // What the window fills: the channel, and a client channel's stderr (a server channel's is outgoing).
  const readers = [channel, channel.stderr].filter(
    (s): s is ClientChannel => typeof (s as Partial<ClientChannel>).readableHighWaterMark === 'number',
  );
  if (shared) {
    shared.channels++;
    channel.once('close', () => { shared.channels--; });
  }
  const topUp = (): void => {
    const state = internals.outgoing.state;
    if (state !== 'open' && state !== 'eof') return; // closing or closed: nothing more to receive
    const window = internals.incoming.window;
    // This channel's share of a shared budget: a window above it is not refilled until it is below.
    const wanted = shared ? Math.min(target, Math.max(floor, Math.floor(ceiling / Math.max(1, shared.channels)))) : target;
    if (wanted - window < Math.min(REFILL_STEP, wanted / 2)) return;
    if (readers.some((s) => s.readableLength >= s.readableHighWaterMark)) return;
    internals.incoming.window = wanted;
    protocol.channelWindowAdjust(internals.outgoing.id, wanted - window);
  };

  // The first data after the clock starts sizes the window (ssh2's CHANNEL_DATA handler calls push).
  let started = 0;
  const ownPush = internals.push;
  const timedPush = function (this: ChannelInternals, chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk !== null) {
      internals.push = ownPush;
      target = windowFor(Math.min(performance.now() - started, roundTripBoundMs), floor, ceiling);
    }
    return ownPush.call(this, chunk, encoding);
  };
  const startClock = (): void => {
    started = performance.now();
    internals.push = timedPush;
  };
  startClock();
  // A client channel's two readers share its window (ssh2 refills from either).
  for (const stream of readers as unknown as Partial<ChannelInternals>[]) {
    const ownRead = stream._read;
    if (typeof ownRead !== 'function') continue;
    stream._read = function (this: unknown, size: number): void {
      ownRead.call(this, size); // ssh2's refill first, so `incoming.window` is current
      topUp();
    };
  }
  return startClock;
}

/** The window for a link whose first reply took `roundTripMs`: round trip × 1 MiB/ms, within [floor, ceiling]. */
export function windowFor(roundTripMs: number, floor: number, ceiling: number): number {
  return Math.max(floor, Math.min(ceiling, Math.round(roundTripMs * BYTES_PER_MS)));
}
