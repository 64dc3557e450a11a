// Temporary files a lost connection may have left (the server made the
// file, and its answer to the open was lost): removed over the next
// attempt's session before it goes on. A loss during the removal keeps what
// is not removed yet listed, for the attempt after it; any other answer ends
// the matter for that file: no such file (the server never made it), or a
// refusal (an append-only server keeps it), which onKept is told.
import { isScpipeError, type ScpipeError } from '../errors';
import type { SftpSession } from '../sftp/session';
import { escapeForTerminal } from '../util/escape';
import { isConnectionLoss } from './reconnect';

/** Removes each of `left` over `session`, taking it off the list once done; rethrows a lost connection; `onKept`: one the server would not remove. */
export async function removeLeftBehind(session: SftpSession, left: string[], trace?: (line: string) => void, onKept?: (temp: string, error: ScpipeError) => void): Promise<void> {
  while (left.length > 0) {
    const temp = left[0]!;
    await session.unlink(temp).then(
      () => trace?.(`sftp: removed ${escapeForTerminal(temp)}, left by the lost connection`),
      (err: unknown) => {
        if (isConnectionLoss(err)) throw err; // tried again over the next connection
        if (isScpipeError(err) && err.code !== 'ERR_NO_SUCH_FILE') onKept?.(temp, err);
      },
    );
    left.shift();
  }
}
