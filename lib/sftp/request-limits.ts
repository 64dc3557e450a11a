// How much data one SFTP request may carry: ssh2 keeps the server's
// limits@openssh.com in fields of its SFTP object and splits requests by
// them; session.ts caps them here and reads them back. guardLimits() sees
// that reply before ssh2 takes it (limits-reply.ts) and hands ssh2 the
// values within OpenSSH's sftp's bounds.
import type { SFTPWrapper } from 'ssh2';
import { escapeForTerminal } from '../util/escape';
import { guardLimitsReply, type Stated } from './limits-reply';

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
// OpenSSH's sftp's floor (sftp-client.c): a server stating 1 byte gets requests that still carry something.
const MIN_REQUEST_LEN = 64;
// What a request holds besides its data, at most: OpenSSH's sftp-server states packets 1024 bytes longer than its reads.
const PACKET_ROOM = 1024;

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

/**
 * The read and write lengths to use for what a server's limits@openssh.com
 * states: 0 is no limit stated (the 32 KiB every server takes), the rest
 * within OpenSSH's sftp's 64 bytes to 255 KiB, and no longer than the
 * packets the server states it takes leave room for.
 */
export function usableLengths(stated: { maxPktLen?: number; maxReadLen?: number; maxWriteLen?: number }): { read: number; write: number } {
  const packet = stated.maxPktLen ?? 0;
  const cap = packet > 0 ? Math.min(MAX_REQUEST_LEN, packet - PACKET_ROOM) : MAX_REQUEST_LEN;
  const usable = (n: number | undefined): number => Math.max(MIN_REQUEST_LEN, Math.min(n !== undefined && n > 0 ? n : FALLBACK_LEN, cap));
  return { read: usable(stated.maxReadLen), write: usable(stated.maxWriteLen) };
}

// ssh2 reads each uint64 as a Number: past 2^53 it is no longer exact.
const shown = (n: number | undefined): string => (n === undefined ? 'nothing' : Number.isSafeInteger(n) ? String(n) : 'more than 2^53');

/**
 * Refuses a wrong reply to limits@openssh.com on `raw`, an SFTP object no
 * byte has reached yet (limits-reply.ts), and has ssh2 take the limits as
 * usableLengths() makes them; `log` (-v) is told when they were changed,
 * or when the server failed the request (requests of 32 KiB then, as
 * OpenSSH's sftp without limits).
 */
export function guardLimits(raw: unknown, log?: (line: string) => void): void {
  guardLimitsReply(raw, (err, stated): Stated => {
    const internals = raw as Internals;
    if (err) {
      if (typeof err.code !== 'number') return undefined; // the channel ended first: ssh2 fails the request itself
      internals._maxReadLen = internals._maxWriteLen = FALLBACK_LEN; // not ssh2's guess by the server's name
      log?.(`sftp: the server failed limits@openssh.com (${escapeForTerminal(err.message)}): requests of ${FALLBACK_LEN} bytes`);
      return undefined;
    }
    const { read, write } = usableLengths(stated ?? {});
    if (read !== stated?.maxReadLen || write !== stated?.maxWriteLen) {
      const said = `reads of ${shown(stated?.maxReadLen)}, writes of ${shown(stated?.maxWriteLen)}, packets of ${shown(stated?.maxPktLen)} bytes`;
      log?.(`sftp: the server's limits@openssh.com states ${said}: using reads of ${read} and writes of ${write} bytes`);
    }
    return { ...stated, maxReadLen: read, maxWriteLen: write };
  });
}
