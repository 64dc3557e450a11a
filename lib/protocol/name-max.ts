// A name longer than the remote file system takes (NAME_MAX: 255 bytes on
// Linux's and the BSDs' file systems). scp -t says so only at the file's
// header, after the whole stream is spooled, and OpenSSH's sftp-server says
// it as "Bad message" (it maps ENAMETOOLONG and EINVAL alike). The remote
// decides (a file system counting characters may take more): a long name
// is looked up before the input is read, and only its answer fails the run.
import { ScpipeError, isScpipeError } from '../errors';
import { escapeForTerminal } from '../util/escape';

export const NAME_MAX = 255;

// Linux's PATH_MAX counts the NUL: a path of 4096 bytes is too long.
export const PATH_MAX = 4096;

/** Why `path` may be too long for the remote (a name over NAME_MAX, a path over PATH_MAX), else undefined. */
export function whyTooLong(path: string): string | undefined {
  const longest = Math.max(...path.split('/').map((part) => Buffer.byteLength(part)));
  if (longest > NAME_MAX) return `a name of ${longest} bytes; most file systems take at most ${NAME_MAX}`;
  const bytes = Buffer.byteLength(path);
  return bytes >= PATH_MAX ? `a path of ${bytes} bytes; Linux takes at most ${PATH_MAX - 1}` : undefined;
}

/** True when `err` is the remote refusing a name as too long (scp's strerror, or sftp-server's "Bad message" for a long one: status.ts). */
export function isNameTooLong(err: unknown): boolean {
  return isScpipeError(err) && /File name too long/.test(`${err.remoteMessage ?? ''} ${err.message}`);
}

/** The error of a remote that refused `path` (told by `what`, e.g. "the parts set's names") as too long. */
export function nameTooLongError(path: string, err: unknown, what = 'its name'): ScpipeError {
  const why = whyTooLong(path);
  const size = why === undefined ? '' : ` (${why})`;
  // What the remote said stays for a program (remoteMessage, sftpStatus), as in any refusal.
  const { remoteMessage, sftpStatus } = isScpipeError(err) ? err : {};
  return new ScpipeError('ERR_REMOTE', `${escapeForTerminal(path)}: File name too long${size}: the remote refused ${what}; nothing was sent: give a shorter name`, { path, remoteMessage, sftpStatus, cause: err });
}
