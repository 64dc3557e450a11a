// ssh2 throws out of its packet reader on a packet it cannot take, and then
// ends the connection without a word: a logged-in client's exec command of
// 100 KB (OpenSSH sends up to 256 KiB) was dropped and left no log line.
// Such an error has neither ssh2's `level` nor the numeric `code` of a
// client's DISCONNECT.
import { peerText } from '../util/escape';

/** ssh2's bound on an incoming packet (MAX_PACKET_SIZE of ssh2/lib/protocol/crypto.js). */
export const SSH2_MAX_PACKET = 35000;

/** The log line's reason when `err` is ssh2's packet reader giving up, else undefined. */
export function unreadablePacket(err: Error & { level?: string; code?: unknown }): string | undefined {
  if (err.level !== undefined || typeof err.code === 'number') return undefined;
  if (err.message === 'Bad packet length') {
    // Its bytes are never decrypted: what it held (a command, a name) cannot be logged.
    return `connection dropped: it sent a packet longer than the ${SSH2_MAX_PACKET} bytes serve reads (such as a command that long), which was not read`;
  }
  return `connection dropped: ${peerText(err.message.slice(0, 400))}`;
}
