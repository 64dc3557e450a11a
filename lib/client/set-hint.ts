// cp copies files, and a parts set NAME is no file: only NAME.000000… and
// its manifest NAME.sha256 are. A missing source whose manifest is there
// is said to be a set, with what restores it, after the remote's "No such file".
import { ScpipeError, isScpipeError } from '../errors';
import { escapeForTerminal } from '../util/escape';
import { manifestName } from './parts/names';

/** Notes whether one source failed as missing: `note` each of its problems. */
export class MissingWatch {
  missing = false;

  note(err: unknown): void {
    if (isScpipeError(err, 'ERR_NO_SUCH_FILE')) this.missing = true;
  }
}

/** True when the source was missing and its manifest `isFile`; never rejects. */
export async function missingButASet(watch: MissingWatch, remotePath: string, isFile: (path: string) => Promise<boolean>): Promise<boolean> {
  if (!watch.missing) return false;
  return isFile(manifestName(remotePath)).catch(() => false);
}

/** The problem that says so. */
export function setHint(remotePath: string): ScpipeError {
  const shown = escapeForTerminal(remotePath);
  return new ScpipeError(
    'ERR_NO_SUCH_FILE',
    `${shown} is a parts set (its manifest ${escapeForTerminal(manifestName(remotePath))} is there): cp copies files; restore the set with scpipe get --output FILE HOST:${shown}`,
    { path: remotePath },
  );
}
