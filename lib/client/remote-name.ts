// The name a put announces in its C record: the last part of the remote path,
// unless the path names a directory, which needs an explicit name.
import { posix } from 'node:path';
import { ScpipeError } from '../errors';
import { checkOutgoingName } from '../protocol/records';

/** The file name for `put` to announce for `remotePath`, or the given one. */
export function remoteFileName(remotePath: string, explicit?: string): string {
  if (explicit !== undefined) {
    checkOutgoingName(explicit);
    return explicit;
  }
  const trimmed = remotePath.replace(/\/+$/, '');
  const base = posix.basename(trimmed);
  const isDir = remotePath === '' || remotePath.endsWith('/') || /^~[^/]*$/.test(trimmed) || base === '.' || base === '..' || base === '';
  if (isDir) {
    throw new ScpipeError(
      'ERR_USAGE',
      `the remote path "${remotePath}" names a directory; give a file name (host:${remotePath.replace(/\/*$/, '/')}NAME) or --name NAME`,
    );
  }
  checkOutgoingName(base);
  return base;
}
