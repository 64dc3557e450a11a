// The error of a parts upload that did not end with its manifest: it says
// the set is incomplete, which parts were confirmed, which an scp -t left cut
// short (an scp-only account cannot remove them), and what became of an
// earlier set of the name whose parts these replaced (nothing, when an
// append-only server refused a name that was taken).
import { asScpipeError, withMessage, type CutShort, type ScpipeError } from '../../errors';
import { refusedByAppendOnly } from '../../protocol/cut-short';
import { escapeForTerminal } from '../../util/escape';
import { describeLeft, type LeftPart } from './left-parts';
import { describeIndices } from './options';
import type { PartLog } from './part-log';

// Errors from before a session existed: no part can have been written.
const NO_SESSION = new Set(['ERR_CONNECT', 'ERR_CONNECT_TIMEOUT', 'ERR_AUTH', 'ERR_HOST_KEY_UNKNOWN', 'ERR_HOST_KEY_CHANGED', 'ERR_CONFIG']);

// Parts of a run that did not finish are there, or a set of the name: run
// again under the same name, the parts that differ are refused.
const NEW_NAME = 'an append-only server writes over nothing; give each run a name of its own';

/** The run's error `err`, saying what is left of the set (see the file comment). */
export function incomplete(
  err: unknown,
  name: string,
  state: { confirmed: Pick<PartLog, 'has' | 'indices'>; cutShort: readonly LeftPart[]; replacing: boolean; manifestCut?: CutShort },
  retried: boolean,
): ScpipeError {
  const { cutShort, replacing } = state;
  const cause = asScpipeError(err);
  const confirmed = state.confirmed.indices();
  const shown = escapeForTerminal(name);
  const cut = cutShort.filter((p) => !state.confirmed.has(p.index));
  const left =
    (confirmed.length === 0 ? 'no part confirmed' : `${confirmed.length} part(s) confirmed remotely: ${escapeForTerminal(describeIndices(name, confirmed))}`) + describeLeft(name, cut);
  // A connection that could not be made again is a lost connection (exit 1), not a failed first connect (255).
  const code = retried && (cause.code === 'ERR_CONNECT' || cause.code === 'ERR_CONNECT_TIMEOUT') ? 'ERR_LOST_CONNECTION' : cause.code;
  const begun = confirmed.length + cut.length > 0;
  // Never connected, or refused at the login: "the parts set is incomplete" read as if some of it were there.
  const neverConnected = !retried && !begun && !replacing && NO_SESSION.has(cause.code);
  const what = neverConnected
    ? 'nothing was stored'
    : !replacing
    ? `the parts set ${shown} is incomplete (${manifestState(shown, state.manifestCut)}): ${left}${refusedByAppendOnly(cause) ? `; ${NEW_NAME}` : ''}`
    : refusedByAppendOnly(cause)
      ? `the parts set ${shown} is incomplete (${left}); the earlier set of that name (${shown}.sha256) is as it was: ${NEW_NAME}`
    : begun
      ? `the parts set ${shown} is incomplete, and the earlier set of that name is spoilt: its manifest ${shown}.sha256 is still there, but parts of it were written over (${left}); give each run a name of its own, or use --no-clobber`
      : `the parts set ${shown} was not stored; the earlier set of that name (${shown}.sha256) is as it was`;
  return withMessage(cause, `${cause.message}; ${what}`, { code, cause });
}

// The manifest an scp -t had begun when the run ended is there, in part or
// whole: "no manifest" would be false, and a whole one makes the set complete.
function manifestState(shown: string, cut: CutShort | undefined): string {
  if (cut === undefined) return `no manifest ${shown}.sha256`;
  if (cut.written === 0n) return `its manifest ${shown}.sha256 may be left empty: cut off before its first byte`;
  if (cut.written < cut.size) return `its manifest ${shown}.sha256 is left cut short: at most ${cut.written} of ${cut.size} bytes written`;
  return `unless its manifest ${shown}.sha256 reached the disk: it was sent whole, never confirmed`;
}
