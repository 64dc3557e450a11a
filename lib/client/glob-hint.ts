// `scp 'host:logs/*.gz' .` has the remote expand the wildcard (a shell, or
// sftp's glob in scp's SFTP mode); scpipe quotes remote paths, so the same
// words ask for a file literally named `*.gz`, and the remote's "No such
// file" alone does not say why. A missing source holding a wildcard is said
// to be one, with what expands it.
import { ScpipeError } from '../errors';
import { escapeForTerminal } from '../util/escape';

/** True when `remotePath`'s last part holds a wildcard a shell would expand. */
export function hasWildcard(remotePath: string): boolean {
  return /[*?[]/.test(remotePath.slice(remotePath.lastIndexOf('/') + 1));
}

/** The problem that says so. */
export function wildcardHint(remotePath: string): ScpipeError {
  return new ScpipeError(
    'ERR_NO_SUCH_FILE',
    `${escapeForTerminal(remotePath)}: not expanded: scpipe takes remote paths literally; name the files, or let the remote shell expand them with -O --quote none (an sftp-only host has no shell)`,
    { path: remotePath },
  );
}
