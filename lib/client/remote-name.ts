// The name a put announces in its C record: the last part of the remote path,
// unless the path names a directory, which needs an explicit name.
import { ScpipeError } from '../errors';
import { escapeForTerminal } from '../util/escape';
import { remoteBasename } from '../protocol/names';
import { checkOutgoingName } from '../protocol/records';

/** The file name for `put` to announce for `remotePath`, or the given one. */
export function remoteFileName(remotePath: string, explicit?: string): string {
  if (explicit !== undefined) {
    checkOutgoingName(explicit);
    return explicit;
  }
  const base = remoteBasename(remotePath);
  if (base === undefined || remotePath.endsWith('/')) throw namesDirectory(remotePath);
  checkOutgoingName(base);
  return base;
}

/** True when `remotePath` names a directory, so put needs --name (a name, not checked here). */
export function namesNoFile(remotePath: string): boolean {
  return remoteBasename(remotePath) === undefined || remotePath.endsWith('/');
}

/** The usage error for a put target that names a directory (`host:`, `host:dir/`, `host:.`). */
export function namesDirectory(remotePath: string, nameAllowed = true): ScpipeError {
  // `host:` is the login directory: the name goes right after the colon, not after a `/` (the root).
  const dir = remotePath === '' ? '' : remotePath.replace(/\/*$/, '/');
  return new ScpipeError('ERR_USAGE', `the remote path "${escapeForTerminal(remotePath)}" names a directory; give a file name (host:${escapeForTerminal(dir)}NAME)${nameAllowed ? ' or --name NAME' : ''}`);
}

/**
 * The usage error for a get source with no file name in it (`host:`, the
 * login directory; `host:.`, `host:~`), said before connecting; else undefined.
 */
export function sourceNamesDirectory(remotePath: string): ScpipeError | undefined {
  if (remoteBasename(remotePath) !== undefined) return undefined;
  return new ScpipeError('ERR_USAGE', `${namesDirectory(remotePath, false).message}; scpipe cp -r copies a directory`);
}
