// A remote disk that filled under `scp -t`: the file keeps what fit and the
// space, and an scp-only account cannot remove it. The message says so; this
// adds the command that frees the space there (docs/failures.md).
import { ScpipeError, isScpipeError } from '../lib';
import { withMessage } from '../lib/internal';
import { pasteTarget, type PasteSpec } from './paste-target';

const REMEDY = 'store an empty file over it';
// A parts set's message goes on after the part's remedy with what is left of the set.
const SET_AFTER = '; the parts set ';

/** `err` with the command that stores an empty file over the file (or part) a full disk left, when that is what it is; else `err`. */
export function withFullRemoteHint<T>(err: T, spec: PasteSpec): T | ScpipeError {
  if (!isScpipeError(err, 'ERR_NO_SPACE') || err.cutShort?.path === undefined) return err;
  const at = err.message.endsWith(REMEDY) ? err.message.length : err.message.indexOf(REMEDY + SET_AFTER) + REMEDY.length;
  if (at < REMEDY.length) return err;
  const target = pasteTarget(spec, err.cutShort.path);
  return withMessage(err, `${err.message.slice(0, at)}: \`scpipe put -O --size 0 ${target} < /dev/null\`${err.message.slice(at)}`);
}
