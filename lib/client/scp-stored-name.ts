// Over SCP, a name given for the file (`--name`) is where it lands only when
// the target is a directory; to a file path scp -t stores the bytes at the
// path itself, and only it knows which. A result (and a checksum line) must
// name what was stored, so `scp -f` is asked, when the two names differ.
import type { RemoteCommandOptions } from '../protocol/command';
import { remoteBasename } from '../protocol/names';
import type { OpenChannel } from './connection';
import { scpKindOf } from './scp-exists';

/** The name of the file an SCP put announcing `announced` to `remotePath` stored. */
export async function scpStoredName(open: OpenChannel, remotePath: string, announced: string, opts: RemoteCommandOptions & { signal?: AbortSignal }): Promise<string> {
  const base = remoteBasename(remotePath);
  if (base === undefined || base === announced || remotePath.endsWith('/')) return announced;
  // Not known (the connection went after the upload): the name given, as before.
  const kind = await scpKindOf(open, remotePath, opts).catch(() => undefined);
  return kind === 'file' ? base : announced;
}
