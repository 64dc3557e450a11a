// Whether a regular file is at a remote path, for a warning or a better
// message (never for a decision that could lose data): over SCP a remote
// `scp -f` is asked (scp-exists.ts), over SFTP a stat.
import type { RemoteCommandOptions } from '../protocol/command';
import type { Reconnector } from './reconnect';
import { scpFileSize } from './scp-exists';
import { inSftpSession } from './sftp-look';
import { sftpPathOn } from './sftp-paths';

/**
 * True when a regular file `path` is there, looked up over `protocol`; a
 * lookup that fails says false. For a set's own name once the set is stored
 * (`get NAME` would return that file), and for the first part of a set
 * whose manifest is missing.
 */
export async function remoteFileThere(conn: Reconnector, protocol: 'scp' | 'sftp', path: string, opts: RemoteCommandOptions & { signal: AbortSignal }): Promise<boolean> {
  return (await remoteFileSize(conn, protocol, path, opts)) !== undefined;
}

/** The size of the regular file `path`, or undefined when none is there or the lookup fails. */
export async function remoteFileSize(conn: Reconnector, protocol: 'scp' | 'sftp', path: string, opts: RemoteCommandOptions & { signal: AbortSignal }): Promise<bigint | undefined> {
  try {
    if (protocol === 'scp') return await scpFileSize(conn.current().open, path, opts);
    return await inSftpSession(conn, opts.signal, async (session) => {
      const attrs = await session.stat(await sftpPathOn(session, path));
      return attrs.isFile() ? BigInt(attrs.size) : undefined;
    });
  } catch {
    return undefined;
  }
}
