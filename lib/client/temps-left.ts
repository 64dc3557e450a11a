// What an SFTP upload that failed left on the server besides its target: its
// temporary files, carried as data on the error (`tempsLeft`) while it goes
// through the retries, and put into words once, where the error is told.
import { isScpipeError, withMessage, type ScpipeError, type TempLeft } from '../errors';
import { escapeForTerminal } from '../util/escape';

/** `err` telling also what `left` lists (added to its tempsLeft); `err` itself when that is nothing. */
export function withTempsLeft<T>(err: T, left: readonly TempLeft[]): T | ScpipeError {
  if (left.length === 0 || !isScpipeError(err)) return err;
  return withMessage(err, `${err.message}; ${tempsLeftSaid(left)}`, { tempsLeft: [...(err.tempsLeft ?? []), ...left], cause: err });
}

/** True when `err` says the upload is whole in `temp` and stays there (--no-clobber, or the old target removed and the rename refused): not to be removed. */
export function keptWhole(err: unknown, temp: string): boolean {
  return isScpipeError(err) && (err.tempsLeft ?? []).some((t) => t.path === temp && t.state === 'whole' && t.removeFailed === undefined);
}

/**
 * The error of a signal (`abort`) that came while `err` was made: where that
 * says the upload is whole in `temp` and stays (the old target removed, the
 * rename refused), the abort says it too, so the only copy left is kept, not removed as an abort's upload is.
 */
export function abortKeepingWhole(abort: ScpipeError, err: unknown, temp: string): ScpipeError {
  if (!keptWhole(err, temp)) return abort;
  const kept = err as ScpipeError;
  return withMessage(abort, `${abort.message}; ${kept.message}`, { tempsLeft: kept.tempsLeft, cause: kept });
}

/** The words for `left`: partial uploads first, then whole ones, then the empty files of lost opens. */
export function tempsLeftSaid(left: readonly TempLeft[]): string {
  const shown = (temps: readonly TempLeft[]): string => temps.map((t) => escapeForTerminal(t.path)).join(', ');
  const plain = (state: TempLeft['state']): TempLeft[] => left.filter((t) => t.state === state && t.removeFailed === undefined);
  const failed = (t: TempLeft): string => (t.removeFailed === undefined ? '' : ` (removing it failed: ${t.removeFailed})`);
  const said: string[] = [];
  if (plain('partial').length > 0) said.push(`the partial upload is left in ${shown(plain('partial'))}`);
  for (const t of left) {
    if (t.state === 'partial' && t.removeFailed !== undefined) said.push(`the partial upload is left in ${shown([t])}${failed(t)}`);
    if (t.state === 'whole') said.push(`the upload, whole but not renamed into place, is left in ${shown([t])}${failed(t)}`);
    // Which side of the rename the loss fell on is not known: both names are said.
    if (t.state === 'renaming') said.push(`the rename's answer was lost, so the upload, whole, is either in place as ${escapeForTerminal(t.target ?? '')} or left in ${shown([t])}: whichever of the two names exists holds it`);
  }
  const empty = left.filter((t) => t.state === 'empty');
  if (empty.length > 0) said.push(`an empty temporary file may be left in ${shown(empty)}`);
  return said.join('; ');
}
