// An upload whose remote directory is not there: the library's hint names
// HOST, which the CLI knows as the user typed it (user@, an scp:// port), so
// the command it shows pastes as is (docs/failures.md).
import { ScpipeError, isScpipeError } from '../lib';
import { MAKE_DIRECTORY, hostWord, withMessage } from '../lib/internal';
import { pasteTarget, type PasteSpec } from './paste-target';

/** `err` with its hint's command naming `spec`'s host, when it has one; else `err`. */
export function withMissingDirectoryHint<T>(err: T, spec: PasteSpec): T | ScpipeError {
  if (!isScpipeError(err, 'ERR_NO_SUCH_FILE') || err.missingDirectory === undefined || err.remedyAt === undefined) return err;
  // remedyAt: where the library wrote its command, wherever wrappers (a parts set's "incomplete") put their words.
  const at = err.remedyAt;
  const said = MAKE_DIRECTORY + hostWord(err.missingDirectory);
  if (!err.message.startsWith(said, at)) return err;
  const message = err.message.slice(0, at) + MAKE_DIRECTORY + pasteTarget(spec, err.missingDirectory) + err.message.slice(at + said.length);
  return withMessage(err, message, { remedyAt: at });
}
