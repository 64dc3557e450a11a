// An upload's messages name its files as the client gave the target, as
// OpenSSH's scp -t does (`db.dump: Permission denied`, `sub/f: …`), not
// from serve's root (`/db.dump`), which the client never typed.
import { escapeForTerminal } from '../util/escape';

/**
 * `text`, already shown from the root (Jail.hideRoot), with `shownTarget`
 * (the target from the root: `/sub/db.dump`) where it begins a path, and
 * the files under it, named from `given` (`db.dump`, `sub/f`).
 */
export function namedFromGiven(text: string, shownTarget: string, given: string): string {
  const from = escapeForTerminal(shownTarget);
  const to = escapeForTerminal(given);
  if (from === to) return text;
  const quoted = from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // A path begins the text or follows a space, quote or bracket, as in Jail.hideRoot.
  const at = new RegExp(`(^|[\\s'"([])${from === '/' ? '/' : `${quoted}(/|(?=$|[\\s:'")\\]]))`}`, 'g');
  const base = to.replace(/\/+$/, '');
  return text.replace(at, (_match, before: string, slash: string | undefined) =>
    from === '/' ? `${before}${base}/` : slash === '/' ? `${before}${base}/` : `${before}${to}`);
}
