// Small files of a listing fetched ahead while the one before them is
// stored: over SFTP each file costs an open, an fstat, its reads and a
// close, and the round trips of up to PREFETCH_FILES files overlap. Only
// a run of small regular files is fetched ahead, never past a directory, a
// link or a large file, so memory stays bounded by PREFETCH_FILES × 1 MiB.
// Read into the reply pool: the tree reader gives each chunk back once stored.
import type { Stats } from 'ssh2';
import type { ListedEntry } from '../sftp/listing';
import { readOrdered } from '../sftp/reader';
import { replyPool } from '../sftp/reply-pool';
import type { SftpSession } from '../sftp/session';
import { READ_AHEAD_PER_LANE } from './sftp-get';

export const PREFETCH_FILES = 16;
const PREFETCH_MAX_SIZE = 1 << 20;

/** A file read whole; its `error` when that failed; `later` when it grew too large to hold (read at its turn). */
export type Fetched = { st: Stats; chunks: Buffer[] } | { error: unknown } | { later: true };

/** A listed regular file small enough to be held whole. */
export function fetchable(entry: ListedEntry): boolean {
  return entry.attrs.isFile() && !entry.attrs.isSymbolicLink() && entry.attrs.size <= PREFETCH_MAX_SIZE;
}

/** Reads `path` whole (open, fstat, reads to its end, close); never rejects. */
export async function fetchWhole(session: SftpSession, path: string): Promise<Fetched> {
  try {
    const handle = await session.open(path, 'r');
    try {
      const st = await session.fstat(handle, path);
      if (!st.isFile() || st.size > PREFETCH_MAX_SIZE) return { later: true };
      const chunks: Buffer[] = [];
      const pieceSize = session.limits.maxRead;
      for await (const chunk of readOrdered([{ session, handle }], st.size, { path, pieceSize, maxInFlight: READ_AHEAD_PER_LANE, checkEnd: true, pool: replyPool })) {
        chunks.push(chunk);
      }
      return { st, chunks };
    } finally {
      await session.close(handle, path).catch(() => undefined);
    }
  } catch (error) {
    return { error };
  }
}
