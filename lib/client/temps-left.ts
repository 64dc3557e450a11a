// What an SFTP upload that failed left on the server besides its target: its
// temporary files, carried as data on the error (`tempsLeft`) while it goes
// through the retries, and put into words once, where the error is told.
import { asScpipeError, isScpipeError, withMessage, type ScpipeError, type TempLeft } from '../errors';
import { escapeForTerminal } from '../util/escape';

/**
 * `err` telling also what `left` lists (added to its tempsLeft, one entry a
 * path); `err` itself when that adds nothing. A path `err` already names is
 * said again only with a stronger claim, and then once, when its words end `err`'s message.
 */
export function withTempsLeft<T>(err: T, left: readonly TempLeft[]): T | ScpipeError {
  if (left.length === 0 || !isScpipeError(err)) return err;
  const before = err.tempsLeft ?? [];
  const merged = mergeTemps([...before, ...left]);
  const fresh = merged.filter((t) => !before.some((b) => b.path === t.path && sameClaim(b, t)));
  if (fresh.length === 0) return err;
  const said = before.length > 0 ? `; ${tempsLeftSaid(before)}` : undefined;
  const message = said !== undefined && err.message.endsWith(said) && fresh.some((t) => before.some((b) => b.path === t.path))
    ? `${err.message.slice(0, -said.length)}; ${tempsLeftSaid(merged)}`
    : `${err.message}; ${tempsLeftSaid(fresh)}`;
  return withMessage(err, message, { tempsLeft: merged, cause: err });
}

// How much a claim says is there: an answer that the rename was not made (whole) outweighs a lost one's guess (renaming).
const WEIGHT: Record<TempLeft['state'], number> = { empty: 0, partial: 1, renaming: 2, whole: 3 };

/** One entry a path, in the order first listed: the strongest claim, with any failed removal said of it. */
export function mergeTemps(left: readonly TempLeft[]): TempLeft[] {
  const byPath = new Map<string, TempLeft>();
  for (const t of left) {
    const had = byPath.get(t.path);
    if (had === undefined) byPath.set(t.path, t);
    else {
      const strong = WEIGHT[t.state] > WEIGHT[had.state] ? t : had;
      const removeFailed = strong.removeFailed ?? (strong === t ? had : t).removeFailed;
      byPath.set(t.path, removeFailed === undefined ? strong : { ...strong, removeFailed });
    }
  }
  return [...byPath.values()];
}

function sameClaim(a: TempLeft, b: TempLeft): boolean {
  return a.state === b.state && a.target === b.target && a.removeFailed === b.removeFailed;
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

/** The old target removed to rename onto its name, or its removal's answer lost (the connection with it). */
export type OldRemoval = 'removed' | 'unanswered';

/** What is known of the old target: a removal whose answer was lost may not have been made. */
export function oldRemovedSaid(target: string, removal: OldRemoval): string {
  const old = `the old ${escapeForTerminal(target)}`;
  return removal === 'removed'
    ? `${old} was removed before the rename (the server has no posix-rename)`
    : `${old} may have been removed before the rename: the connection was lost before its removal was answered (the server has no posix-rename)`;
}

/**
 * `err` of a finish again after the old `target` was removed (a server
 * without posix-rename) that found the upload in `temp`, not renamed: the
 * only copy now, so named as kept whole, whatever stopped the run (a signal too).
 */
export function onlyCopyKept(caught: unknown, paths: { temp: string; target: string }, removal: OldRemoval): ScpipeError {
  const err = asScpipeError(caught);
  if (err.tempGone || keptWhole(err, paths.temp)) return err;
  const why = withMessage(err, `${err.message}; ${oldRemovedSaid(paths.target, removal)}`, { cause: err });
  return withTempsLeft(why, [{ path: paths.temp, state: 'whole' }]) as ScpipeError;
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
