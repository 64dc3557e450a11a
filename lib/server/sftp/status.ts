// Failures as SFTP status replies: sftp-server's errno_to_portable() table,
// and the jail's refusals. The message is strerror()'s phrase with the
// client's path, never a host path (Node's own messages name the host path,
// so they are never sent).
import { isScpipeError } from '../../errors';
import { errnoCode, strerror } from '../../fs/strerror';
import { Said, said, saidOf } from '../../util/said';
import { cutInMiddle } from '../../util/cut-middle';
import { shownPath } from './shown-path';
import { STATUS, type StatusCode } from './wire';

/** A failure to answer with STATUS: `said.wire` to the client, the message (`said.shown`) to the log. */
export class SftpFailure extends Error {
  override readonly name = 'SftpFailure';
  constructor(readonly status: StatusCode, readonly said: Said, readonly errno?: string) {
    super(said.shown);
  }
}

/** sftp-server's errno_to_portable(). */
function statusOfErrno(code: string | undefined): StatusCode {
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
    case 'EBADF':
    case 'ELOOP':
      return STATUS.NO_SUCH_FILE;
    case 'EPERM':
    case 'EACCES':
    case 'EFAULT':
      return STATUS.PERMISSION_DENIED;
    case 'ENAMETOOLONG':
    case 'EINVAL':
      return STATUS.BAD_MESSAGE;
    case 'ENOSYS':
      return STATUS.OP_UNSUPPORTED;
    default:
      return STATUS.FAILURE;
  }
}

// The jail reports an I/O problem as "path: strerror" without the errno
// (it keeps no `cause`, whose message would name the host path).
const STATUS_OF_PHRASE: Array<[string, StatusCode]> = [
  ['No such file or directory', STATUS.NO_SUCH_FILE],
  ['Not a directory', STATUS.NO_SUCH_FILE],
  ['Too many levels of symbolic links', STATUS.NO_SUCH_FILE],
  ['Permission denied', STATUS.PERMISSION_DENIED],
];

/** Any error from a handler as the failure to send; `clientPath` is what the client named (named from the root), or a Said already shown. */
export function toFailure(err: unknown, clientPath?: string | Said): SftpFailure {
  if (err instanceof SftpFailure) return err;
  if (isScpipeError(err, 'ERR_UNSAFE_NAME')) return new SftpFailure(STATUS.PERMISSION_DENIED, saidOf(err));
  if (isScpipeError(err)) {
    const found = STATUS_OF_PHRASE.find(([phrase]) => err.message.endsWith(phrase));
    return new SftpFailure(found?.[1] ?? STATUS.FAILURE, saidOf(err));
  }
  const code = errnoCode(err);
  const text = Said.plain(code === undefined ? 'Failure' : strerror(err));
  if (clientPath === undefined) return new SftpFailure(statusOfErrno(code), text, code);
  // `a/./f` as `/a/f`: as the log line names it, and as the operator finds it inside the root.
  const path = typeof clientPath === 'string' ? shownPath(clientPath) : clientPath;
  return new SftpFailure(statusOfErrno(code), said`${path}: ${text}`, code);
}

/**
 * Longest status message sent or logged: a path the kernel takes (PATH_MAX)
 * fits, unless full of escaped controls; a client's 256 KiB name neither
 * floods the log (a refusal is logged without -v) nor makes a reply longer
 * than a client reads.
 */
export const MAX_STATUS_TEXT = 8192;
// What is kept of a message's end past the cut: the reason, after the path.
const KEPT_END = 512;

/** `message`, each form cut in the middle, marked with `…`, when longer than MAX_STATUS_TEXT. */
export function boundedStatus(message: Said): Said {
  return message.map(boundedStatusText);
}

/** `text` cut in the middle, marked with `…`, when longer than MAX_STATUS_TEXT. */
export function boundedStatusText(text: string): string {
  return cutInMiddle(text, MAX_STATUS_TEXT, KEPT_END);
}

/** The refusal every write request gets on a --read-only server. */
export function readOnlyFailure(): SftpFailure {
  return new SftpFailure(STATUS.PERMISSION_DENIED, said`read-only server`);
}
