// ssh2 writes a channel's data into the connection's socket whenever the
// client's SSH window allows, and never looks at the socket. A client that
// grants a window of 4 GiB and then stops reading its TCP connection would
// have serve read for it, into the socket's buffer in memory, all it asks
// for: a whole file. So a channel's write also says "full" while the socket
// holds more than SOCKET_BACKLOG unsent, and its 'drain' follows the socket's.
import type { Writable } from 'node:stream';
import type { Connection, ServerChannel } from 'ssh2';

/**
 * Bytes waiting in a connection's socket (beyond the kernel's buffers)
 * past which its channels stop taking more. What a session has running
 * when that happens still goes out (up to 16 SFTP reads of 255 KiB).
 */
export const SOCKET_BACKLOG = 1024 * 1024;

// One 'drain' listener per socket, for its channels waiting on it.
const waiting = new WeakMap<Writable, Set<() => void>>();

function onSocketDrain(socket: Writable, wake: () => void): void {
  let set = waiting.get(socket);
  if (!set) {
    const fresh = new Set<() => void>();
    set = fresh;
    waiting.set(socket, fresh);
    socket.on('drain', () => {
      const wakes = [...fresh];
      fresh.clear();
      for (const w of wakes) w();
    });
  }
  set.add(wake);
}

/** The socket under an ssh2 server connection. */
export function connectionSocket(client: Connection): Writable | undefined {
  return (client as unknown as { _sock?: Writable })._sock;
}

/** Makes `channel`'s write() and 'drain' heed `socket` too; see the file comment. */
export function heedSocket(channel: ServerChannel, socket: Writable | undefined): void {
  if (!socket) return;
  const write = channel.write.bind(channel) as (...args: unknown[]) => boolean;
  let held = false;
  const wake = (): void => {
    held = false;
    if (!channel.destroyed) channel.emit('drain');
  };
  (channel as { write: (...args: unknown[]) => boolean }).write = (...args: unknown[]): boolean => {
    const ok = write(...args);
    if (socket.writableLength <= SOCKET_BACKLOG || socket.destroyed) return ok;
    // Past the backlog the socket is sure to emit 'drain' once it has sent it all.
    if (!held) {
      held = true;
      onSocketDrain(socket, wake);
    }
    return false;
  };
}
