// --no-clobber for a parts set: none of its names may be there already (the
// manifest, a plain file of the set's name, a first part of an earlier try).
// Over SCP a remote `scp -f` is asked (scp-exists.ts); where the host allows
// only SFTP, the run turns to SFTP and the names are looked up there.
import { isScpipeError } from '../../errors';
import type { Reconnector } from '../reconnect';
import { scpRefusalHint } from '../protocol-choice';
import { existsError, refuseAnyExisting } from '../scp-exists';
import { sftpPathOn } from '../sftp-paths';
import type { RemoteCommandOptions } from '../../protocol/command';
import type { PartsProtocol } from './send';

/** ERR_EXISTS naming the first of `paths` that is there. */
export async function refuseExistingNames(conn: Reconnector, protocol: PartsProtocol, paths: readonly string[], opts: RemoteCommandOptions & { signal: AbortSignal }, onSftp: (why: string) => void): Promise<void> {
  if (protocol.now === 'scp') {
    try {
      return await refuseAnyExisting(conn.current().open, paths, opts);
    } catch (err) {
      const refused = protocol.fallback ? scpRefusalHint(err, 'auto') : err;
      if (refused === err) throw err;
      protocol.now = 'sftp';
      onSftp((refused as Error).message);
    }
  }
  const opener = conn.current().opener;
  const session = await opener.sftpSession(opts.signal);
  try {
    for (const path of paths) {
      const there = await session.stat(await sftpPathOn(session, path)).then(
        () => true,
        (err: unknown) => {
          if (isScpipeError(err, 'ERR_NO_SUCH_FILE')) return false;
          throw err;
        },
      );
      if (there) throw existsError(path);
    }
  } finally {
    session.end();
  }
}
