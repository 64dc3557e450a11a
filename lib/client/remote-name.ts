// The name a put announces in its C record: the last part of the remote path,
// unless the path names a directory, which needs an explicit name.
import { ScpipeError } from '../errors';
import { remoteBasename } from '../protocol/names';
import { checkOutgoingName } from '../protocol/records';

/** The file name for `put` to announce for `remotePath`, or the given one. */
export function remoteFileName(remotePath: string, explicit?: string): string {
  if (explicit !== undefined) {
    checkOutgoingName(explicit);
    return explicit;
  }
  const base = remoteBasename(remotePath);
  if (base === undefined || remotePath.endsWith('/')) {
    throw new ScpipeError(
      'ERR_USAGE',
      `the remote path "${remotePath}" names a directory; give a file name (host:${remotePath.replace(/\/*$/, '/')}NAME) or --name NAME`,
    );
  }
  checkOutgoingName(base);
  return base;
}
