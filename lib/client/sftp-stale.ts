// Temporary files a killed upload left (`.NAME.scpipe-XXXXXX`: a SIGKILL,
// a power cut or a lost connection with the retries spent leave one; every
// other failure removes its own). scpipe never removes them unasked: one may
// belong to an upload of the same name still running elsewhere. Asked
// (`put --remove-stale`), an SFTP upload removes, before it starts, the
// regular files in the target's directory named as temporary files of this
// very target, and says each one it removed.
import { posix } from 'node:path';
import { listDirectory } from '../sftp/listing';
import type { SftpSession } from '../sftp/session';
import { TEMP_MARK } from './sftp-paths';

/** True when `name` is a temporary name scpipe gives for a file named `base` (sftp-paths.ts tempNameFor). */
export function isTempNameOf(name: string, base: string): boolean {
  const prefix = `.${base}${TEMP_MARK}`;
  return name.length === prefix.length + 6 && name.startsWith(prefix) && /^[A-Za-z0-9]{6}$/.test(name.slice(prefix.length));
}

/** Removes the stale temporary files of `target` but `keep` (this run's own); resolves with the paths removed. */
export async function removeStaleTemps(session: SftpSession, target: string, keep: string): Promise<string[]> {
  const dir = posix.dirname(target);
  const base = posix.basename(target);
  const entries = await listDirectory(session, dir, { onBadName: () => undefined });
  const removed: string[] = [];
  for (const { name, attrs } of entries) {
    if (!attrs.isFile() || !isTempNameOf(name, base)) continue;
    const path = dir === '.' ? name : posix.join(dir, name);
    if (path === keep) continue;
    await session.unlink(path);
    removed.push(path);
  }
  return removed;
}
