// ServerAliveInterval as ssh counts it. ssh2 counts its keepalive as unanswered
// until that one reply comes, even while the server's data streams in: on a slow
// link the reply waits behind megabytes queued in the same direction, and a live
// transfer was cut ("no answer from the server for 45 s" at 150 KB/s). ssh
// (clientloop.c) asks only after an interval with nothing received, and anything
// received resets the count: here, anything read from the socket does too.
import type { Client } from 'ssh2';

interface KeepaliveInternals {
  _resetKA?: () => void; // ssh2 1.x: count 0, next keepalive an interval from now
}

/** Makes bytes from the server count as an answer to `client`'s keepalives (ssh2 set up with keepaliveInterval `intervalMs`). */
export function aliveWhileReceiving(client: Client, sock: NodeJS.ReadableStream, intervalMs: number): void {
  const reset = (client as unknown as KeepaliveInternals)._resetKA;
  if (intervalMs <= 0 || typeof reset !== 'function') return;
  // A reset restarts ssh2's timer: at most a couple per interval, not one per chunk.
  // Monotonic: a wall clock stepped back an hour would keep every reset away for that hour.
  const every = Math.min(1_000, intervalMs / 2);
  let last = -Infinity;
  sock.on('data', () => {
    const now = performance.now();
    if (now - last < every) return;
    last = now;
    reset.call(client);
  });
}
