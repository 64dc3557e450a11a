// How much data one SFTP request may carry: ssh2 keeps the server's
// limits@openssh.com in fields of its SFTP object and splits requests by
// them; session.ts caps them here and reads them back. guardLimits() sees
// that reply before ssh2 takes it (limits-reply.ts).
import type { SFTPWrapper } from 'ssh2';
import { guardLimitsReply } from './limits-reply';

/** What the server accepts per request (limits@openssh.com, as ssh2 read it). */
export interface SftpLimits {
  maxWrite: number;
  maxRead: number;
}

// Without limits@openssh.com: the 32 KiB of data every server must take
// (draft-ietf-secsh-filexfer-02 asks servers to take at least 32768 bytes).
const FALLBACK_LEN = 32 * 1024;
// The most a request carries whatever limits@openssh.com says: OpenSSH's
// SFTP_MAX_MSG_LENGTH - 1024 (sftp-client.c). Larger reads come back in
// packets ssh2 refuses (256 KiB), and a write's piece is held whole in memory.
const MAX_REQUEST_LEN = 256 * 1024 - 1024;

type Internals = { _maxWriteLen?: number; _maxReadLen?: number };

/** Caps the lengths ssh2 read from limits@openssh.com at MAX_REQUEST_LEN. */
export function capRequestLengths(raw: SFTPWrapper): void {
  const internals = raw as unknown as Internals;
  for (const key of ['_maxReadLen', '_maxWriteLen'] as const) {
    if (internals[key] !== undefined && !(internals[key]! <= MAX_REQUEST_LEN)) internals[key] = MAX_REQUEST_LEN; // ssh2 splits requests by these
  }
}

/** Request sizes: ssh2 reads limits@openssh.com when offered; else its guess by server name. */
export function requestLimits(raw: SFTPWrapper): SftpLimits {
  const internals = raw as unknown as Internals;
  return { maxWrite: internals._maxWriteLen ?? FALLBACK_LEN, maxRead: internals._maxReadLen ?? FALLBACK_LEN };
}

/** Refuses a wrong reply to limits@openssh.com on `raw`, an SFTP object no byte has reached yet (limits-reply.ts). */
export function guardLimits(raw: unknown): void {
  guardLimitsReply(raw, (_err, stated) => stated);
}
