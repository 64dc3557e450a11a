// SFTP v3 says a full disk, a file system out of inodes, a read-only one,
// FAT's 4 GiB limit, a quota and an I/O error all as a bare FAILURE
// ("write: Failure"). What the server's statvfs@openssh.com and the file's
// own size establish is said as the cause, as scp -t says it from errno;
// what they rule out is said too, and nothing more is claimed.
import { posix } from 'node:path';
import { ScpipeError, isScpipeError } from '../errors';
import type { SftpSession } from '../sftp/session';
import { SFTP_STATUS } from '../sftp/status';
import { escapeForTerminal } from '../util/escape';

// FAT's largest file; the kernel cuts the write that crosses it short, and refuses the next.
const FAT_MAX_FILE = 2 ** 32 - 1;
// OpenSSH's sftp-server's text for SSH_FX_FAILURE: it gives no errno.
const NO_REASON = 'Failure';
const MiB = 1024 * 1024;

/**
 * `failure` said as its cause for `target`: ERR_NO_SPACE when `temp`'s file
 * system has less room than one write or no free inode; a read-only file
 * system; a file stopped at FAT's 4 GiB - 1; a server's own reason said of
 * `target`; else, for a bare "Failure" on a file system with room, what is
 * left to suspect. Ask before `temp` is removed.
 */
export async function explainSftpFailure(session: SftpSession | undefined, temp: string, target: string, failure: unknown): Promise<unknown> {
  // A server that broke the protocol answering is the run's failure, not a cause to guess from.
  return explain(session, temp, target, failure).catch((err: unknown) => {
    if (isScpipeError(err, 'ERR_PROTOCOL')) return err;
    throw err;
  });
}

async function explain(session: SftpSession | undefined, temp: string, target: string, failure: unknown): Promise<unknown> {
  if (!isScpipeError(failure, 'ERR_REMOTE') || failure.sftpStatus !== SFTP_STATUS.FAILURE || session === undefined || session.ended) return failure;
  const fs = await session.fileSystem(posix.dirname(temp)).catch(unlessBroken);
  if (fs === undefined) return failure;
  const said = (code: 'ERR_NO_SPACE' | 'ERR_REMOTE', what: string): ScpipeError =>
    new ScpipeError(code, `${escapeForTerminal(target)}: ${what} (${failure.message})`, { path: target, remoteMessage: failure.remoteMessage, sftpStatus: failure.sftpStatus, cause: failure });
  if (fs.readOnly) return said('ERR_REMOTE', 'the remote file system is read-only');
  if (fs.freeBytes < session.limits.maxWrite) return said('ERR_NO_SPACE', 'no space left on the remote file system');
  if (fs.freeInodes === 0) return said('ERR_NO_SPACE', 'no space left on the remote file system: no free inodes');
  const st = await session.stat(temp).catch(unlessBroken);
  const size = st?.isFile() ? st.size : undefined;
  if (size === FAT_MAX_FILE) {
    return said('ERR_REMOTE', `the remote file stopped at ${FAT_MAX_FILE} bytes (4 GiB - 1), the largest file FAT holds: the remote directory is likely on a FAT file system; store it on another one there, or send it in parts (--part-size 2G)`);
  }
  // The server's own reason (scpipe serve's "File too large"): said of the target, not only the temporary name.
  if (failure.remoteMessage !== NO_REASON) return size === undefined ? failure : said('ERR_REMOTE', `the remote file stopped at ${size} bytes`);
  const free = Math.floor(fs.freeBytes / MiB);
  // mkdir over a link to nothing: EEXIST, which scp -t says as "File exists".
  if (st === undefined && (await session.lstat(temp).then((l) => l.isSymbolicLink(), (err: unknown) => unlessBroken(err) ?? false))) {
    return said('ERR_REMOTE', 'File exists: a symbolic link to nothing is in the way');
  }
  // No file (open, mkdir): sftp-server's Failure there is also EMFILE, EMLINK; none is guessed.
  if (size === undefined) return said('ERR_REMOTE', `the server gave no reason; its file system is neither full nor read-only, with ${free} MiB free`);
  return said('ERR_REMOTE', `the server gave no reason, and its file system is not full (${free} MiB free; the file stopped at ${size} bytes): a disk quota, a limit on file size or an I/O error there may be the cause; the server's log or its administrator can tell which`);
}

// A question that failed leaves the failure unexplained, unless the server broke the protocol answering it.
function unlessBroken(err: unknown): undefined {
  if (isScpipeError(err, 'ERR_PROTOCOL')) throw err;
  return undefined;
}
