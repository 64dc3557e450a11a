// SFTP status codes (docs/protocol.md §10) as ScpipeErrors. OpenSSH's
// sftp-server sends generic texts ("No such file", "Failure"), and maps
// ENOSPC and most other errnos to FAILURE; the server's text is kept,
// escaped, as remoteMessage.
import { ScpipeError, type ScpipeErrorCode } from '../errors';
import { escapeForTerminal, peerText } from '../util/escape';
import { STATUS } from '../server/sftp/wire';
import { whyTooLong } from '../protocol/name-max';

/** SSH_FX_* of SFTP v3: one table, shared with the server's wire codec. */
export const SFTP_STATUS = STATUS;

const CODES: Record<number, ScpipeErrorCode> = {
  [SFTP_STATUS.NO_SUCH_FILE]: 'ERR_NO_SUCH_FILE',
  [SFTP_STATUS.PERMISSION_DENIED]: 'ERR_PERMISSION_DENIED',
  [SFTP_STATUS.BAD_MESSAGE]: 'ERR_PROTOCOL',
  [SFTP_STATUS.NO_CONNECTION]: 'ERR_LOST_CONNECTION',
  [SFTP_STATUS.CONNECTION_LOST]: 'ERR_LOST_CONNECTION',
};

// ssh2's words for requests pending when the channel's data ended (SFTP.js cleanupRequests).
const NO_RESPONSE = 'No response from server';
/** What a session whose channel ended says of it, in put and get alike. */
export const SERVER_ENDED = 'the server ended the SFTP session';

/** The words for a session that ended `why`: the server's own end said once, not "ended (… ended …)". */
export function sessionEnded(why: string): string {
  return why === SERVER_ENDED ? why : `the SFTP session ended (${why})`;
}

/** The status code ssh2 put on an error, if any. */
export function sftpStatus(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * A ScpipeError for a failed SFTP request: `what` says what was asked
 * ("open", "write"), `path` which file. An error without a status code is
 * the session going away (ssh2: "No response from server", said as put says it).
 */
export function sftpError(err: unknown, what: string, path: string): ScpipeError {
  if (err instanceof ScpipeError) return err;
  const status = sftpStatus(err);
  const shownPath = escapeForTerminal(path);
  const text = peerText((err as Error)?.message ?? String(err)); // a STATUS message can be 256 KiB
  if (status === undefined) {
    // ssh2 fails what is pending so as the channel's data ends: said as put says that event.
    const why = text === NO_RESPONSE ? SERVER_ENDED : text;
    return new ScpipeError('ERR_LOST_CONNECTION', `${shownPath}: ${what}: ${sessionEnded(why)}`, { path, cause: err });
  }
  // sftp-server's word for ENAMETOOLONG (and EINVAL): said as what it most likely is.
  const why = status === SFTP_STATUS.BAD_MESSAGE ? whyTooLong(path) : undefined;
  if (why !== undefined) {
    return new ScpipeError('ERR_REMOTE', `${shownPath}: ${what}: File name too long (${why}; the server said "${text}")`, { path, remoteMessage: text, sftpStatus: status, cause: err });
  }
  const code = CODES[status] ?? 'ERR_REMOTE';
  return new ScpipeError(code, `${shownPath}: ${what}: ${text}`, { path, remoteMessage: text, sftpStatus: status, cause: err });
}

/** ERR_PROTOCOL for a NAME reply holding no name (REALPATH, READLINK, expand-path): a broken server, not a lost session to retry. */
export function namelessReply(what: string, path: string): ScpipeError {
  return new ScpipeError('ERR_PROTOCOL', `${escapeForTerminal(path)}: ${what}: the server broke the SFTP protocol: its reply names no path`, { path });
}
