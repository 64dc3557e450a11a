// --append-only: making an upload's temporary file. Its owner goes on
// record in two steps around the file's making, each on disk before the
// next: the intent (before), then the record (after, before the open is
// answered), so that no crash leaves the file with no owner on record
// (owner-intents.ts, owner-records.ts).
import { unlink } from '../../fs/byte-fs';
import { strerror } from '../../fs/strerror';
import { said } from '../../util/said';
import type { OpsContext } from './context';
import { SftpFailure, toFailure } from './status';
import type { UploadFile } from './upload-owners';
import { STATUS } from './wire';

/**
 * Before an upload's temporary file `clientPath` is made at `host`: refused
 * when no more owners can be kept, else its intent is on record. Resolves
 * with what to call once the open is answered.
 */
export async function intendNew(ctx: OpsContext, clientPath: string, host: string): Promise<() => Promise<void>> {
  await ctx.owners.refuseIfFull(clientPath, ctx.login);
  try {
    return await ctx.owners.intend(host, ctx.login);
  } catch (err) {
    throw (err as NodeJS.ErrnoException).code === 'EEXIST' ? toFailure(err, clientPath) : notKept(ctx, clientPath, err);
  }
}

/**
 * The owner of an upload's temporary file just made, on record before the
 * open is answered; if it cannot be kept, the file goes again (no one's
 * upload would be anyone's after a restart) and the open fails.
 */
export async function claimNew(ctx: OpsContext, key: string, file: UploadFile): Promise<void> {
  try {
    await ctx.owners.claim(key, ctx.login, file);
  } catch (err) {
    await unlink(file.host).catch(() => undefined);
    throw notKept(ctx, file.clientPath, err);
  }
}

// Logged, as the client may show only "Failure".
function notKept(ctx: OpsContext, clientPath: string, err: unknown): SftpFailure {
  if (err instanceof SftpFailure) return err;
  ctx.log(`sftp open failed: ${ctx.paths.shown(clientPath)}: the owner of this upload could not be kept on record: ${strerror(err)}`);
  return new SftpFailure(STATUS.FAILURE, said`${clientPath}: the owner of this upload could not be kept on record: ${strerror(err)}`);
}
