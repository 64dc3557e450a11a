// A name longer than the remote file system takes (NAME_MAX: 255 bytes on
// Linux's and the BSDs' file systems). scp -t says so only at the file's
// header, after the whole stream is spooled, and OpenSSH's sftp-server says
// it as "Bad message" (it maps ENAMETOOLONG and EINVAL alike). The remote
// decides (a file system counting characters may take more): a long name
// is looked up before the input is read, and only its answer fails the run.
import { ScpipeError, isScpipeError } from '../errors';
import { escapeForTerminal } from '../util/escape';

export const NAME_MAX = 255;

/** The bytes of the longest component of `path` when over NAME_MAX, else undefined. */
export function longNameBytes(path: string): number | undefined {
  const longest = Math.max(...path.split('/').map((part) => Buffer.byteLength(part)));
  return longest > NAME_MAX ? longest : undefined;
}

/** True when `err` is the remote refusing a name as too long (scp's strerror, or sftp-server's "Bad message" for a long one: status.ts). */
export function isNameTooLong(err: unknown): boolean {
  return isScpipeError(err) && /File name too long/.test(`${err.remoteMessage ?? ''} ${err.message}`);
}

/** The error of a remote that refused `path` (told by `what`, e.g. "the parts set's names") as too long. */
export function nameTooLongError(path: string, err: unknown, what = 'its name'): ScpipeError {
  const bytes = longNameBytes(path);
  const size = bytes === undefined ? '' : ` (${bytes} bytes; most file systems take at most ${NAME_MAX})`;
  return new ScpipeError('ERR_REMOTE', `${escapeForTerminal(path)}: File name too long${size}: the remote refused ${what}; nothing was sent: give a shorter name`, { path, cause: err });
}
