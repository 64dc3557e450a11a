// What the end of an SFTP session (session.ts) does to the handles the
// client left open: each is closed with a line in the transfer log, and an
// upload the server cut as it stopped is removed (cut-upload.ts).
import type { OpsContext } from './context';
import { closeCutUpload } from './cut-upload';
import { isUpload, logTransfer } from './file-ops';
import { closeEntry, type FileEntry } from './handles';

/** Closes every handle still open in `ctx`; `cut` aborted: the server is cutting what runs. */
export async function closeLeftOpen(ctx: OpsContext, cut: AbortSignal | undefined): Promise<void> {
  const open = ctx.handles.drain();
  await Promise.all(
    open.map(async (e) => {
      if (e.kind === 'file' && isUpload(e) && cut?.aborted) return logTransfer(ctx, e, await closeCutUpload(e));
      await closeEntry(e);
      if (e.kind === 'file') logTransfer(ctx, e, leftOpenResult(e));
    }),
  );
}

/**
 * The log's result for a file the session ended with open. A read or write
 * that failed (a full disk) says why; an upload may be short, SFTP having no
 * "complete"; a download sent what was asked (lftp's `pget` never closes).
 */
export function leftOpenResult(e: FileEntry): string {
  const why = 'the session ended with the file open';
  if (e.ioFailure !== undefined) return `failed: ${e.ioFailure} (${why})`;
  return isUpload(e) ? `failed: ${why}` : `not closed: ${why}`;
}
