// --append-only with --expire-uploads-after: the temporary files of
// uploads whose clients never came back, removed once not written to for
// that long. No client may remove them, and each holds one of its key's
// --max-uploads-per-key, so a serve running for months would fill a key's
// share and refuse its backups. Only files provably an upload's temporary
// file made through a serve are removed: the one its record names (the same
// inode, one name, scpipe's shape of name), with no handle open on it here.
import type { Stats } from 'node:fs';
import { join } from 'node:path';
import { lstat, unlink } from '../../fs/byte-fs';
import { isUploadTempName } from '../../fs/store-new';
import { formatBytes } from '../../spool/size';
import { escapeForTerminal } from '../../util/escape';
import type { OwnerRecords } from './owner-records';
import { beingWritten, fileKey, storeWithoutWriters } from './store-guard';

/** A temporary file removed: its path under the root, its size, and the login that made it. */
export interface ExpiredUpload {
  path: string;
  size: number;
  login: string;
}

/** Removes the uploads on record under `root` not written to for `ageMs`, and their records. */
export async function expireUploads(records: OwnerRecords, root: string, ageMs: number, now = Date.now()): Promise<ExpiredUpload[]> {
  const removed: ExpiredUpload[] = [];
  for (const record of await records.all()) {
    const host = join(root, record.path);
    const fits = (st: Stats | undefined): st is Stats =>
      st !== undefined && st.isFile() && st.nlink === 1 && st.ino === record.ino && now - st.mtimeMs >= ageMs && !beingWritten(st);
    const st = await lstat(host).catch(() => undefined);
    if (!isUploadTempName(record.path) || !fits(st)) continue;
    // As a store does: an open of it meanwhile is refused its writes, and the file is checked again.
    const gone = await storeWithoutWriters(fileKey(st), `/${record.path}`, async () => {
      const again = await lstat(host).catch(() => undefined);
      if (!fits(again)) return false;
      await unlink(host);
      return true;
    }).catch(() => false);
    if (!gone) continue;
    await records.remove(record.path);
    removed.push({ path: record.path, size: st.size, login: record.login });
  }
  return removed;
}

/** The log line of one removed upload. */
export function expiredLine(u: ExpiredUpload, days: number): string {
  return `removed /${escapeForTerminal(u.path)} (${formatBytes(u.size)}), an upload in progress of ${escapeForTerminal(u.login)} not written to for ${days} days (--expire-uploads-after)`;
}
