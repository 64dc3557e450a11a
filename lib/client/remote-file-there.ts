// Whether a regular file is at a remote path, for a warning or a better
// message (never for a decision that could lose data): over SCP a remote
// `scp -f` is asked (scp-exists.ts), over SFTP a stat.
import { SftpSession } from '../sftp/session';
import type { RemoteCommandOptions } from '../protocol/command';
import type { Reconnector } from './reconnect';
import { scpKindOf } from './scp-exists';
import { sftpPathOn } from './sftp-paths';

/**
 * True when a regular file `path` is there, looked up over `protocol`; a
 * lookup that fails says false. For a set's own name once the set is stored
 * (`get NAME` would return that file), and for the first part of a set
 * whose manifest is missing.
 */
export async function remoteFileThere(conn: Reconnector, protocol: 'scp' | 'sftp', path: string, opts: RemoteCommandOptions & { signal: AbortSignal }): Promise<boolean> {
  try {
    if (protocol === 'scp') return (await scpKindOf(conn.current().open, path, opts)) === 'file';
    const opener = conn.current().opener;
    const session = new SftpSession((await opener.sftp(opts.signal)).session, 'sftp', opener.whyLost);
    try {
      return (await session.stat(await sftpPathOn(session, path))).isFile();
    } finally {
      session.end();
    }
  } catch {
    return false;
  }
}
