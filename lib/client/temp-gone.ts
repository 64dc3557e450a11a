// An SFTP upload's temporary file removed under it (by hand, by a cleanup
// script or another run's --remove-stale, by a server that removed what its
// stop cut). From a pipe nothing can be sent again, so nothing was stored;
// a part is still in its spool and goes again whole: its retry line says so,
// not "nothing was stored; retry 1 of 5".
import { ScpipeError, isScpipeError, withMessage } from '../errors';

const LOST = ', so nothing was stored';

/** The error for a temporary file `temp` found gone: `fact` says when and by what, and `after` what it means for the target. */
export function tempGoneError(fact: string, temp: string, cause: unknown, after = ''): ScpipeError {
  return new ScpipeError('ERR_NO_SUCH_FILE', `${fact}${LOST}${after}`, { path: temp, tempGone: true, cause });
}

/** The same failure told as a part's retry: that part goes again whole, from its spool. */
export function asResent(err: unknown): unknown {
  if (!isScpipeError(err) || err.tempGone !== true) return err;
  const at = err.message.lastIndexOf(LOST);
  return at < 0 ? err : withMessage(err, `${err.message.slice(0, at)}: the part goes again whole`);
}
