// A remote disk that filled under `scp -t`: the file keeps what fit and the
// space, and an scp-only account cannot remove it. The message says so; this
// adds the command that frees the space there (docs/failures.md).
import { ScpipeError, isScpipeError, type CutShort } from '../lib';
import { withMessage } from '../lib/internal';
import { pasteTarget, type PasteSpec } from './paste-target';

/**
 * `err` with the command that stores an empty file over the file (or part) a
 * full disk left, when that is what it is, and the same for every other file
 * of a parts set left cut short (parts in flight together); else `err`.
 */
export function withFullRemoteHint<T>(err: T, spec: PasteSpec): T | ScpipeError {
  // remedyAt: where the library said to store an empty file over it, wherever wrappers put their words.
  if (!isScpipeError(err, 'ERR_NO_SPACE') || err.cutShort?.path === undefined || err.remedyAt === undefined) return err;
  const at = err.remedyAt;
  const command = (path: string): string => `\`scpipe put -O --size 0 ${pasteTarget(spec, path)} < /dev/null\``;
  const others = (err.partsLeft ?? []).filter((f) => f.path !== undefined && f.path !== err.cutShort!.path && holdsSpace(f)).map((f) => command(f.path!));
  const rest = others.length === 0 ? '' : `; the other files left cut short are freed the same way: ${others.join(', ')}`;
  return withMessage(err, `${err.message.slice(0, at)}: ${command(err.cutShort.path)}${err.message.slice(at)}${rest}`, { remedyAt: undefined });
}

// What the message lists as left cut short (left-parts.ts): some bytes there, fewer than all or not known to be all.
function holdsSpace(f: CutShort): boolean {
  return f.written > 0n && (f.written < f.size || f.failed === true);
}
