// What an SFTP upload that failed left on the server besides its target: its
// temporary files, carried as data on the error (`tempsLeft`) while it goes
// through the retries, and put into words once, where the error is told.
import { isScpipeError, withMessage, type TempLeft } from '../errors';
import { escapeForTerminal } from '../util/escape';

/** `err` telling also what `left` lists (added to its tempsLeft); `err` itself when that is nothing. */
export function withTempsLeft(err: unknown, left: readonly TempLeft[]): unknown {
  if (left.length === 0 || !isScpipeError(err)) return err;
  const empty = left.filter((t) => t.state === 'empty').map((t) => escapeForTerminal(t.path));
  const said = empty.length === 0 ? '' : `; an empty temporary file may be left in ${empty.join(', ')}`;
  return withMessage(err, `${err.message}${said}`, { tempsLeft: [...(err.tempsLeft ?? []), ...left], cause: err });
}
