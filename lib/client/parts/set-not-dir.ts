// `put --part-size host:backups` where backups is a directory stored the set
// beside it (backups.000000 …, backups.sha256), in its parent, exit 0, while
// a plain put goes inside it, as scp does. Refused instead, before the first
// part goes, saying how to name a set inside it.
import { ScpipeError, isScpipeError } from '../../errors';
import type { RemoteCommandOptions } from '../../protocol/command';
import { escapeForTerminal } from '../../util/escape';
import type { Reconnector } from '../reconnect';
import { scpKindOf } from '../scp-exists';
import { inSftpSession } from '../sftp-look';
import { sftpPathOn } from '../sftp-paths';

/** ERR_USAGE when the set's path `path` is a directory on the remote; a lookup that fails says nothing. */
export async function refuseDirectorySet(conn: Reconnector, protocol: 'scp' | 'sftp', path: string, opts: RemoteCommandOptions & { signal: AbortSignal }): Promise<void> {
  let directory: boolean;
  try {
    directory = protocol === 'scp' ? (await scpKindOf(conn.current().open, path, opts)) === 'not-a-file' : await sftpIsDirectory(conn, path, opts.signal);
  } catch (err) {
    if (isScpipeError(err, 'ERR_ABORTED')) throw err;
    return;
  }
  if (!directory) return;
  const shown = escapeForTerminal(path);
  throw new ScpipeError('ERR_USAGE', `${shown} is a directory (or not a regular file): a parts set would go beside it as ${shown}.000000 …; to store it inside, name it there (host:${shown}/NAME)`, { path });
}

function sftpIsDirectory(conn: Reconnector, path: string, signal: AbortSignal): Promise<boolean> {
  return inSftpSession(conn, signal, async (session) => (await session.stat(await sftpPathOn(session, path))).isDirectory());
}
