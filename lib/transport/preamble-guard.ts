// Lines a server may send before its version line ("SSH-2.0-…"): ssh gives
// up after 1024 (kex.c, SSH_MAX_PRE_BANNER_LINES). ssh2 counts them per
// chunk of input only, so a server sending such lines without end kept the
// handshake spinning, a core busy, until a timeout (none at all while a
// person may be asked something).
import type { Readable } from 'node:stream';

export const MAX_PRE_BANNER_LINES = 1024;

const VERSION_START = 'SSH-';

/**
 * Watches `sock` until the server's version line starts (then calls
 * `onVersion`); calls `onTooMany` (once) when more than MAX_PRE_BANNER_LINES
 * lines came before it. Returns the function that stops watching.
 */
export function guardPreamble(sock: Readable, onTooMany: () => void, onVersion?: () => void): () => void {
  let lines = 0;
  let head = ''; // the current line's first bytes, up to four
  const stop = (): void => void sock.off('data', onData);
  function onData(chunk: Buffer): void {
    for (const byte of chunk) {
      if (byte === 0x0a) {
        lines += 1;
        head = '';
        if (lines > MAX_PRE_BANNER_LINES) {
          stop();
          onTooMany();
          return;
        }
      } else if (head.length < VERSION_START.length) {
        head += String.fromCharCode(byte);
        if (head === VERSION_START) {
          stop();
          onVersion?.();
          return;
        }
      }
    }
  }
  sock.on('data', onData);
  return stop;
}
