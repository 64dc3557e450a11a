// A remote disk that filled under `scp -t`: the file keeps what fit and the
// space, and an scp-only account cannot remove it. The message says so; this
// adds the command that frees the space there (docs/failures.md).
import { ScpipeError, isScpipeError } from '../lib';
import { withMessage } from '../lib/internal';
import { pasteTarget, type PasteSpec } from './paste-target';

/** `err` with the command that stores an empty file over the file (or part) a full disk left, when that is what it is; else `err`. */
export function withFullRemoteHint<T>(err: T, spec: PasteSpec): T | ScpipeError {
  // remedyAt: where the library said to store an empty file over it, wherever wrappers put their words.
  if (!isScpipeError(err, 'ERR_NO_SPACE') || err.cutShort?.path === undefined || err.remedyAt === undefined) return err;
  const at = err.remedyAt;
  const target = pasteTarget(spec, err.cutShort.path);
  return withMessage(err, `${err.message.slice(0, at)}: \`scpipe put -O --size 0 ${target} < /dev/null\`${err.message.slice(at)}`, { remedyAt: undefined });
}
