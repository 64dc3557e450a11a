// An SFTP upload left open when its session ended, and not to be kept: SFTP
// writes in place and has no "complete", so the part received would stay
// under the file's final name, where a reader takes it for the file. Cut by
// the server as it stopped, or, on an --append-only server, where the client
// could never replace or remove it, left by a client that hung up. A file
// this upload created is removed, as scp's temporary file is; one that was
// there before (overwritten, or appended to for a resume) is left as is.
// The check and the unlink hold the name lock: a rename in another session
// could otherwise give the name to another file between the two.
import { lstat, unlink } from '../../fs/byte-fs';
import type { NameLock } from '../name-lock';
import { closeEntry, type FileEntry } from './handles';

/** Closes `e` and, when it made the file and it is still under that name, removes it; the log's result, `failed: <why>` and what was done. */
export async function closeCutUpload(e: FileEntry, why: string, names: NameLock): Promise<string> {
  const own = await e.fh.stat().catch(() => undefined);
  await closeEntry(e);
  const created = e.created;
  if (!own || created === undefined) return `failed: ${why}`;
  const removed = await names.with(false, async () => {
    const named = await lstat(created).catch(() => undefined);
    // Still the same file under that name (no rename or replacement since).
    if (!named || named.ino !== own.ino || named.dev !== own.dev) return false;
    return unlink(created).then(() => true, () => false);
  });
  return `failed: ${why}${removed ? ' (removed: the upload had created it)' : ''}`;
}
