// Ending a connection at once, discarding what is queued for it (an abort, a
// broken protocol, a stall).
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * A TCP socket is reset, so that its kernel buffer is not sent either; a
 * ProxyCommand's or ProxyJump's stream is destroyed (its process or channel ends).
 */
export function dropSocket(sock: Duplex): void {
  const tcp = sock as Partial<Socket>;
  if (typeof tcp.resetAndDestroy === 'function' && !sock.destroyed) tcp.resetAndDestroy();
  else sock.destroy();
}
