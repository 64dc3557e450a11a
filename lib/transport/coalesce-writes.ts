// Turns the many small writes of one turn of the event loop into one writev.
//
// ssh2 sends every SSH packet with its own socket.write(), and a packet
// carries at most the peer's maximum packet size of channel data (32 KiB
// from OpenSSH's sshd). A 1 MiB chunk of a body thus became 32 write(2)
// calls, one for each packet. Corking the socket until the current tick ends
// hands the whole chunk to the kernel in one writev, about a tenth faster on
// loopback (docs/performance.md §3). Nothing waits longer than the rest of
// the current tick, so the handshake and keepalives are not delayed.
import type { Socket } from 'node:net';

/** Makes `sock` gather what is written to it during a tick; see the file comment. */
export function coalesceWrites(sock: Socket): void {
  const write = sock.write;
  let corked = false;
  const uncork = (): void => {
    corked = false;
    sock.uncork();
  };
  sock.write = function (this: Socket, ...args: Parameters<Socket['write']>): boolean {
    if (!corked) {
      corked = true;
      sock.cork();
      process.nextTick(uncork);
    }
    return write.apply(this, args);
  } as Socket['write'];
}
