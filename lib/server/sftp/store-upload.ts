// --append-only: rename and posix-rename only move an upload's temporary
// file onto a new name; one that exists with the same bytes (a retry's
// re-upload) counts as stored, and the temporary file goes. The request
// takes the name lock itself (dispatch.ts): it holds it alone to check and
// link, but lets go while a re-sent file is compared with the one stored,
// which may take minutes for a large backup, so that every other client's
// renames and stores go on meanwhile; a client gone meanwhile stops it.
import { lstat } from '../../fs/byte-fs';
import { NameTaken, SourceChanged, TEMP_NAME_REFUSAL, storeNew } from '../../fs/store-new';
import { isUploadTempName, refuseMove, refused } from './append-only';
import type { OpsContext } from './context';
import { changed, child, ownName } from './path-ops';
import type { Req } from './requests';
import { SftpFailure, toFailure } from './status';
import { STATUS } from './wire';
import { said } from '../../util/said';
import { beingWritten, fileKey, storeWithoutWriters } from './store-guard';

/** Stores the upload's temporary file `req.from` under the new name `req.to`. */
export async function storeUpload(ctx: OpsContext, req: Req<'rename' | 'posix-rename'>): Promise<Buffer> {
  const names = ctx.paths.jail.names;
  let release = await names.hold(true);
  try {
    const from = await ownName(ctx, req.from);
    const to = await ownName(ctx, req.to);
    const st = await refuseMove(req.from, from);
    const key = fileKey(st);
    if (isUploadTempName(req.to)) throw refused(req.to, TEMP_NAME_REFUSAL);
    await ctx.owners.refuseOthers(key, ctx.login, { clientPath: req.from, host: from, ino: st.ino });
    const changedMeanwhile = (): SftpFailure => refused(req.from, 'it changed while it was being stored');
    // The comparison, without the lock; taken again, the names are checked again (the jail).
    const unlocked = async <T>(step: () => Promise<T>): Promise<T> => {
      release();
      try {
        return await step();
      } finally {
        release = await names.hold(true);
        if ((await child(ctx, req.from)) !== from || (await child(ctx, req.to)) !== to) throw changedMeanwhile();
      }
    };
    let how;
    try {
      how = await storeWithoutWriters(key, req.from, async () => {
        // Still the file whose writers were stopped: not one made under the name since.
        if (fileKey(await lstat(from)) !== key) throw changedMeanwhile();
        return storeNew(from, to, { unlocked, signal: ctx.gone, beingWritten });
      });
      await ctx.owners.forget(key, from);
      ctx.madeHere.delete(from);
    } catch (err) {
      if (err instanceof SftpFailure) throw err;
      if (err instanceof SourceChanged) throw changedMeanwhile();
      // Its temporary file stays, for the client's retry.
      if (ctx.gone?.aborted) throw new SftpFailure(STATUS.FAILURE, said`${req.to}: not compared to the end: the session ended`);
      throw err instanceof NameTaken ? refused(req.to, 'it exists, and existing files are not replaced') : toFailure(err, req.from);
    }
    const same = how === 'identical' ? ' (the name held the same bytes already: kept)' : '';
    return changed(ctx, req.id, `${req.op} ${ctx.paths.shown(req.from)} ${ctx.paths.shown(req.to)}${same}`);
  } finally {
    release();
  }
}
