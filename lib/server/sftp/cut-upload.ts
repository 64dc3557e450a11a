// An SFTP upload the server cut as it stopped (server.ts close()): SFTP
// writes in place and has no "complete", so the part received would stay
// under the file's final name, where a reader takes it for the file. A file
// this upload created is removed, as scp's temporary file is; one that was
// there before (overwritten, or appended to for a resume) is left as is.
import { lstat, unlink } from 'node:fs/promises';
import { closeEntry, type FileEntry } from './handles';

/** Closes `e` and, when it made the file and it is still under that name, removes it; says what was done. */
export async function closeCutUpload(e: FileEntry): Promise<string> {
  const own = await e.fh.stat().catch(() => undefined);
  await closeEntry(e);
  const named = e.created === undefined ? undefined : await lstat(e.created).catch(() => undefined);
  // Still the same file under that name (no rename or replacement since).
  if (!own || !named || named.ino !== own.ino || named.dev !== own.dev) return 'failed: the server is shutting down';
  const removed = await unlink(e.created!).then(() => true, () => false);
  return `failed: the server is shutting down${removed ? ' (removed: the upload had created it)' : ''}`;
}
