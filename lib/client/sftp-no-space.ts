// SFTP v3 says a full disk as a bare FAILURE ("write: Failure"). Where the
// server answers statvfs@openssh.com and the directory has less room than
// one write, the failure is said as what it is (ERR_NO_SPACE).
import { posix } from 'node:path';
import { ScpipeError, isScpipeError } from '../errors';
import type { SftpSession } from '../sftp/session';
import { SFTP_STATUS } from '../sftp/status';
import { escapeForTerminal } from '../util/escape';

/** `failure` as ERR_NO_SPACE for `target` when `temp`'s file system is full; else `failure` as it was. Ask before the temporary file is removed. */
export async function explainNoSpace(session: SftpSession | undefined, temp: string, target: string, failure: unknown): Promise<unknown> {
  if (!isScpipeError(failure, 'ERR_REMOTE') || failure.sftpStatus !== SFTP_STATUS.FAILURE || session === undefined || session.ended) return failure;
  const free = await session.freeBytes(posix.dirname(temp)).catch(() => undefined);
  if (free === undefined || free >= session.limits.maxWrite) return failure;
  return new ScpipeError('ERR_NO_SPACE', `${escapeForTerminal(target)}: no space left on the remote file system (${failure.message})`, { path: target, sftpStatus: failure.sftpStatus, cause: failure });
}
