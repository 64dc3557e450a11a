// --append-only: one owner record's file (owner-records.ts): its name, its
// one line of JSON, and how it is written: whole (a temporary name, fsync,
// rename, fsync of the directory) before the open it answers for.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { open, rename, unlink } from '../../fs/byte-fs';
import { toBytes } from '../../util/byte-text';

/** One upload's temporary file and its owner. */
export interface OwnerRecord {
  /** Its path under the root. */
  path: string;
  ino: number;
  /** The login that made it: `key SHA256:…` or `user NAME`. */
  login: string;
}

export const SUFFIX = '.owner';
// A record is a line of JSON; anything longer was not written by serve. Its
// path may take PATH_MAX (4096) bytes, each written as 6 characters where
// JSON escapes it (a control character; a byte that is not UTF-8, `\udcNN`):
// a shorter bound read a deep Latin-1 path's record as none, its upload as
// anyone's.
export const RECORD_MAX_BYTES = 6 * 4096 + 4096;

/** The record's line; rejects one that parseRecord() would take for none, so it is never answered as kept. */
function recordLine(rec: OwnerRecord): Buffer {
  const line = Buffer.from(`${JSON.stringify({ path: rec.path, ino: rec.ino, login: rec.login })}\n`);
  if (line.length > RECORD_MAX_BYTES) throw new Error(`the record would take ${line.length} bytes, more than ${RECORD_MAX_BYTES}`);
  return line;
}

/** Writes `rec` as `dir/name` through `tmp`, durably. */
export async function writeRecordFile(dir: string, name: string, tmp: string, rec: OwnerRecord): Promise<void> {
  const line = recordLine(rec);
  const fh = await open(tmp, 'w', 0o600);
  // A write cut short (the state directory full) leaves no temporary name: each refused open would add one.
  try {
    try {
      await fh.writeFile(line);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, join(dir, name));
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await syncDir(dir);
}

/** Makes the names made or removed in `dir` durable. */
export async function syncDir(dir: string): Promise<void> {
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

/** The record in `bytes`, read from the file `name`; undefined for one serve did not write whole. */
export function parseRecord(bytes: Buffer, name: string): OwnerRecord | undefined {
  if (bytes.length === 0 || bytes.length > RECORD_MAX_BYTES) return undefined;
  try {
    const r = JSON.parse(bytes.toString('utf8')) as Partial<OwnerRecord>;
    const fine = typeof r.path === 'string' && typeof r.login === 'string' && Number.isSafeInteger(r.ino);
    return fine && recordName(r.path!) === name ? (r as OwnerRecord) : undefined;
  } catch {
    return undefined;
  }
}

// A fixed-length name whatever the path (names up to 255 bytes, paths longer).
export function recordName(path: string): string {
  return `${createHash('sha256').update(toBytes(path)).digest('hex').slice(0, 32)}${SUFFIX}`;
}
