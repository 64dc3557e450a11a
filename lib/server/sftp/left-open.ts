// What the end of an SFTP session (session.ts) does to the handles the
// client left open: each is closed with a line in the transfer log, and an
// upload the server cut as it stopped, or one an append-only server could
// never let its client finish, is removed (cut-upload.ts), but for an
// upload's temporary file, which its client resumes.
import { isUploadTempName } from './append-only';
import type { OpsContext } from './context';
import { closeCutUpload } from './cut-upload';
import { isUpload, logTransfer } from './file-ops';
import { closeEntry, type FileEntry } from './handles';

const LEFT_OPEN = 'the session ended with the file open';
const SHUTTING_DOWN = 'the server is shutting down';

/** Closes every handle still open in `ctx`; `cut` aborted: the server is cutting what runs. */
export async function closeLeftOpen(ctx: OpsContext, cut: AbortSignal | undefined): Promise<void> {
  const open = ctx.handles.drain();
  const names = ctx.paths.jail.names;
  await Promise.all(
    open.map(async (e) => {
      if (e.kind === 'file' && isUpload(e) && cut?.aborted) return logTransfer(ctx, e, isUploadTempName(e.path) ? await keptForResume(e) : await closeCutUpload(e, SHUTTING_DOWN, names));
      // A download in flight is cut too, not left open by its client: said as an upload's cut is, and as over SCP.
      if (e.kind === 'file' && cut?.aborted) return closeEntry(e).then(() => logTransfer(ctx, e, `failed: ${SHUTTING_DOWN}`));
      if (e.kind === 'file' && unfinishable(ctx, e)) return logTransfer(ctx, e, await closeCutUpload(e, leftOpenWhy(e), names));
      await closeEntry(e);
      if (e.kind === 'file') logTransfer(ctx, e, leftOpenResult(e));
    }),
  );
}

// A restart (systemctl restart) cuts what runs. scpipe's client resumes the
// temporary file it writes (`.NAME.scpipe-XXXXXX`) on its retries, and a
// stream cannot be sent again: removed, the upload would be lost. One whose
// client never comes back is named by that client's next put of the target.
async function keptForResume(e: FileEntry): Promise<string> {
  await closeEntry(e);
  return `failed: ${SHUTTING_DOWN} (kept for its client to resume)`;
}

// On an append-only server a file, once there, is never written again, so
// the part of an upload whose client hung up (a killed `scp`) would stay
// under the name for good, and a retry be refused. An upload's temporary
// file stays: its own client resumes it.
function unfinishable(ctx: OpsContext, e: FileEntry): boolean {
  return ctx.appendOnly && isUpload(e) && e.created !== undefined && !isUploadTempName(e.path);
}

/**
 * The log's result for a file the session ended with open. A read or write
 * that failed (a full disk) says why; an upload may be short, SFTP having no
 * "complete"; a download sent what was asked (lftp's `pget` never closes).
 */
function leftOpenResult(e: FileEntry): string {
  if (e.ioFailure !== undefined || isUpload(e)) return `failed: ${leftOpenWhy(e)}`;
  return `not closed: ${LEFT_OPEN}`;
}

function leftOpenWhy(e: FileEntry): string {
  return e.ioFailure === undefined ? LEFT_OPEN : `${e.ioFailure} (${LEFT_OPEN})`;
}
