// A file whose mode denies this account writing is not replaced over SFTP.
// The upload goes to a temporary name that is renamed over the target, and a
// rename asks only the directory's permission; but `scp -t` (over SCP) and
// OpenSSH's sftp and scp open the target itself, so they refuse such a file
// ("Permission denied"), and a 0444 mode is how many archives guard an old
// backup. So the same upload means the same answer whichever protocol ran.
import type { Stats } from 'ssh2';
import { ScpipeError } from '../errors';
import type { SftpSession } from '../sftp/session';
import { escapeForTerminal } from '../util/escape';

/** The account on the server: the owner of a file it just made. */
export interface Account {
  uid: number;
  gid: number;
}

/**
 * Whether `existing`'s mode denies `us` writing it. Only what is sure:
 * the supplementary groups are not known, so group write from a group
 * that is not the primary one counts as allowed; root may write anything.
 */
export function deniesWrite(existing: Pick<Stats, 'mode' | 'uid' | 'gid'>, us: Account): boolean {
  if (us.uid === 0) return false;
  if (existing.uid === us.uid) return (existing.mode & 0o200) === 0;
  if (existing.gid === us.gid) return (existing.mode & 0o020) === 0;
  return (existing.mode & 0o022) === 0;
}

/** ERR_PERMISSION_DENIED for a target that `deniesWrite`. */
export function readOnlyError(path: string): ScpipeError {
  return new ScpipeError('ERR_PERMISSION_DENIED', `${escapeForTerminal(path)}: Permission denied: the remote file is read-only to this account, and is not replaced (as scp would not)`, { path });
}

/** Who we are on `session`: the owner of a file we made (`handle`, open on `path`). */
export async function accountOf(session: SftpSession, handle: Buffer, path: string): Promise<Account> {
  const st = await session.fstat(handle, path);
  return { uid: st.uid, gid: st.gid };
}
