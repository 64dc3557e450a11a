// SFTP v3 says a full disk, a file system out of inodes and a read-only one
// as a bare FAILURE ("write: Failure", "open: Failure"). Where the server
// answers statvfs@openssh.com, the failure is said as what it is, as scp -t
// says it from errno.
import { posix } from 'node:path';
import { ScpipeError, isScpipeError } from '../errors';
import type { SftpSession } from '../sftp/session';
import { SFTP_STATUS } from '../sftp/status';
import { escapeForTerminal } from '../util/escape';

/**
 * `failure` as ERR_NO_SPACE for `target` when `temp`'s file system has less
 * room than one write or no free inode, or as a read-only file system; else
 * `failure` as it was. Ask before the temporary file is removed.
 */
export async function explainNoSpace(session: SftpSession | undefined, temp: string, target: string, failure: unknown): Promise<unknown> {
  if (!isScpipeError(failure, 'ERR_REMOTE') || failure.sftpStatus !== SFTP_STATUS.FAILURE || session === undefined || session.ended) return failure;
  const fs = await session.fileSystem(posix.dirname(temp)).catch(() => undefined);
  if (fs === undefined) return failure;
  const said = (code: 'ERR_NO_SPACE' | 'ERR_REMOTE', what: string): ScpipeError =>
    new ScpipeError(code, `${escapeForTerminal(target)}: ${what} (${failure.message})`, { path: target, sftpStatus: failure.sftpStatus, cause: failure });
  if (fs.readOnly) return said('ERR_REMOTE', 'the remote file system is read-only');
  if (fs.freeBytes < session.limits.maxWrite) return said('ERR_NO_SPACE', 'no space left on the remote file system');
  if (fs.freeInodes === 0) return said('ERR_NO_SPACE', 'no space left on the remote file system: no free inodes');
  return failure;
}
