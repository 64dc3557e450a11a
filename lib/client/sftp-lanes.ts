// Extra channels for an SFTP transfer: each a session of its own with its own
// handle on the same remote file. A server that refuses more sessions
// (MaxSessions) leaves the transfer with fewer; it goes on with those. One
// lost with the connection is opened again when the transfer resumes.
import type { OpenMode } from 'ssh2';
import { SftpSession } from '../sftp/session';
import { escapeForTerminal } from '../util/escape';
import type { ChannelOpener } from './connection';
import { isConnectionLoss } from './reconnect';

/** A session and its handle on the file. */
export interface Lane {
  session: SftpSession;
  handle: Buffer;
}

/**
 * Opens up to `count` more sessions with `path` open (`flags`, default
 * read-write): those that opened, and how many did not because the
 * connection was lost (still wanted on the next connection; a refused one is not).
 */
export async function openLanes(
  opener: ChannelOpener,
  path: string,
  count: number,
  signal: AbortSignal,
  log?: (line: string) => void,
  flags: OpenMode = 'r+',
): Promise<{ lanes: Lane[]; lost: number }> {
  if (count <= 0) return { lanes: [], lost: 0 };
  const opened = await Promise.allSettled(
    // Named in -v's line: N identical "opening" lines read as one said twice.
    Array.from({ length: count }, async (_, i) => {
      const session = await opener.sftpSession(signal, `for channel ${i + 2} of ${count + 1}`);
      try {
        return { session, handle: await session.open(path, flags) };
      } catch (err) {
        session.end();
        throw err;
      }
    }),
  );
  const lanes: Lane[] = [];
  let lost = 0;
  for (const r of opened) {
    if (r.status === 'fulfilled') lanes.push(r.value);
    else {
      if (isConnectionLoss(r.reason)) lost++;
      log?.(`sftp: a further channel did not open: ${escapeForTerminal((r.reason as Error).message)}`);
    }
  }
  return { lanes, lost };
}
