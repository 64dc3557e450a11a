// Failures as SFTP status replies: sftp-server's errno_to_portable() table,
// and the jail's refusals. The message is strerror()'s phrase with the
// client's path, never a host path (Node's own messages name the host path,
// so they are never sent).
import { isScpipeError } from '../../errors';
import { errnoCode, strerror } from '../../fs/strerror';
import { escapeForTerminal } from '../../util/escape';
import { STATUS, type StatusCode } from './wire';

/** A failure to answer with STATUS. */
export class SftpFailure extends Error {
  override readonly name = 'SftpFailure';
  constructor(readonly status: StatusCode, message: string, readonly errno?: string) {
    super(message);
  }
}

/** sftp-server's errno_to_portable(). */
export function statusOfErrno(code: string | undefined): StatusCode {
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

/** Any error from a handler as the failure to send; `clientPath` is what the client named. */
export function toFailure(err: unknown, clientPath?: string): SftpFailure {
  if (err instanceof SftpFailure) return err;
  if (isScpipeError(err, 'ERR_UNSAFE_NAME')) return new SftpFailure(STATUS.PERMISSION_DENIED, err.message);
  if (isScpipeError(err)) {
    const found = STATUS_OF_PHRASE.find(([phrase]) => err.message.endsWith(phrase));
    return new SftpFailure(found?.[1] ?? STATUS.FAILURE, err.message);
  }
  const code = errnoCode(err);
  const text = code === undefined ? 'Failure' : strerror(err);
  return new SftpFailure(statusOfErrno(code), clientPath === undefined ? text : `${escapeForTerminal(clientPath)}: ${text}`, code);
}

/** The refusal every write request gets on a --read-only server. */
export function readOnlyFailure(): SftpFailure {
  return new SftpFailure(STATUS.PERMISSION_DENIED, 'read-only server');
}
