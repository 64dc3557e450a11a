// Temporary files a killed `get --output FILE` left beside FILE
// (`.FILE.scpipe-PID-XXXXXXXXXXXX`, 0600): a SIGKILL, an OOM kill or a power
// cut leaves one, every other failure removes its own. They are never removed
// unasked (one may be a download of the same name still running), but once
// FILE is stored the user's own not written to for STALE_AFTER_S are named,
// as put names a remote one, so a killed 2 TB restore does not hold its space unseen.
// So is the file a `get --resume` keeps (FILE.scpipe-partial-HEX) once FILE is stored without it.
import { dirname, join } from 'node:path';
import { STALE_AFTER_S } from '../lib';
import { byteFs, isKeptRestoreName, isTempNameFor } from '../lib/internal';

/** A leftover temp file of the output: its path, seconds since it was written, and size; `kept`: one a `get --resume` keeps on purpose. */
export interface LocalLeftover {
  path: string;
  ageS: number;
  bytes: number;
  kept: boolean;
}

/** The leftovers of `file` in its directory (none when it cannot be listed). */
export async function findLocalLeftovers(file: string, nowMs = Date.now()): Promise<LocalLeftover[]> {
  const dir = dirname(file);
  const names = await byteFs.readdir(dir).catch(() => [] as string[]);
  const found: LocalLeftover[] = [];
  const uid = process.geteuid?.();
  for (const name of names) {
    const kept = isKeptRestoreName(name, file);
    if (!kept && !isTempNameFor(name, file)) continue;
    const st = await byteFs.lstat(join(dir, name)).catch(() => undefined);
    if (!st?.isFile() || (uid !== undefined && st.uid !== uid)) continue;
    const ageS = Math.floor((nowMs - st.mtimeMs) / 1000);
    if (ageS >= STALE_AFTER_S) found.push({ path: join(dir, name), ageS, bytes: st.size, kept });
  }
  return found;
}
