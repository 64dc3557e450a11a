// A look at the remote side over SFTP outside a transfer (is a name a
// directory, is a file there, has a manifest changed): a session of its own
// on the connection in use, ended whatever the look finds.
import type { SftpSession } from '../sftp/session';
import type { Reconnector } from './reconnect';

/** Runs `look` on a new SFTP session of `conn`'s current connection, then ends the session. */
export async function inSftpSession<T>(conn: Reconnector, signal: AbortSignal, look: (session: SftpSession) => Promise<T>): Promise<T> {
  const session = await conn.current().opener.sftpSession(signal);
  try {
    return await look(session);
  } finally {
    session.end();
  }
}
