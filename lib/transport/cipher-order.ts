// ssh2 means to place chacha20-poly1305 right after the AES-GCM ciphers
// where its native binding makes it fast (x86), but its list has since lost
// two GCM names and the insertion index did not move: chacha20-poly1305
// lands after aes128-ctr and aes192-ctr. A server without AES-GCM (Dropbear,
// OpenSSH before 6.2) then agrees on AES-CTR with a separate HMAC, where ssh
// agrees on chacha20-poly1305; against Dropbear 2022.83 that cost both ends
// more CPU (downloads about a third slower, uploads about a fifth).

const CHACHA = 'chacha20-poly1305@openssh.com';

/** `defaults` (ssh2's cipher list) with chacha20-poly1305 before the CTR ciphers, or undefined to keep it. */
export function chachaBeforeCtr(defaults: readonly string[]): string[] | undefined {
  const at = defaults.indexOf(CHACHA);
  // Absent, or first already, or last: without its binding ssh2 puts it last on purpose (slow in JS).
  if (at < 0 || !defaults.slice(at + 1).some((n) => n.endsWith('-ctr'))) return undefined;
  const firstCtr = defaults.findIndex((n) => n.endsWith('-ctr'));
  if (firstCtr > at) return undefined;
  const rest = defaults.filter((n) => n !== CHACHA);
  return [...rest.slice(0, firstCtr), CHACHA, ...rest.slice(firstCtr)];
}

/** ssh2's own default cipher list (what it offers when given none). */
export function ssh2DefaultCiphers(): readonly string[] {
  return (require('ssh2/lib/protocol/constants.js') as { DEFAULT_CIPHER: string[] }).DEFAULT_CIPHER;
}
