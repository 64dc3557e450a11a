// Temporary files a serve that was killed (SIGKILL, a power loss, a
// TimeoutStopSec that ran out) left in its root: the `.NAME.scpipe-PID-X…`
// names scp uploads are received into. Looked for once at start, in the
// background, and logged for the operator, never removed: a client may have
// stored a file under such a name, and another serve on the same root (here
// or on another host) may be writing one. So a name counts only when no
// process of its PID runs here and it was not written to for LEFTOVER_AGE_MS.
// Names are read as bytes (util/byte-text.ts): an upload to a Latin-1 name
// leaves a temporary file of such a name, which lstat() must find.
import { join, relative } from 'node:path';
import { lstat, opendirBytes } from '../fs/byte-fs';
import { tempFilePid } from '../fs/temp-file';
import { fromBytes } from '../util/byte-text';
import { escapeForTerminal } from '../util/escape';
import { processRuns } from '../util/process-runs';

/** How long a temporary file must have gone unwritten to count as left over. */
const LEFTOVER_AGE_MS = 60 * 60 * 1000;

/** Files named, at most, in the log line. */
const NAMED = 10;

/** What the walk found: client paths (`/dir/.f.scpipe-…`), the first NAMED of `count`. */
export interface Leftovers {
  named: string[];
  count: number;
}

/**
 * Walks `root` (not following links, not leaving its file system) for left
 * temporary files; stops early when `signal` aborts. Unreadable directories
 * are passed over.
 */
async function findLeftovers(root: string, signal?: AbortSignal, now = Date.now()): Promise<Leftovers> {
  const found: Leftovers = { named: [], count: 0 };
  const device = (await lstat(root)).dev;
  const dirs = [root];
  while (dirs.length > 0 && !signal?.aborted) {
    const dir = dirs.pop()!;
    const entries = await opendirBytes(dir).catch(() => undefined);
    if (!entries) continue;
    for await (const e of entries) {
      const name = fromBytes(e.name as unknown as Buffer);
      const path = join(dir, name);
      if (e.isDirectory()) {
        const st = await lstat(path).catch(() => undefined);
        if (st?.dev === device) dirs.push(path);
        continue;
      }
      const pid = e.isFile() ? tempFilePid(name) : undefined;
      if (pid === undefined || processRuns(pid)) continue;
      const st = await lstat(path).catch(() => undefined);
      if (!st || now - st.mtimeMs < LEFTOVER_AGE_MS) continue;
      found.count += 1;
      if (found.named.length < NAMED) found.named.push(`/${relative(root, path)}`);
    }
  }
  return found;
}

/** Logs what findLeftovers() finds in `root`, if anything; never throws. */
export async function logLeftovers(root: string, log: (line: string) => void, signal?: AbortSignal): Promise<void> {
  const found = await findLeftovers(root, signal).catch(() => undefined);
  if (!found || found.count === 0 || signal?.aborted) return;
  const more = found.count > found.named.length ? ` and ${found.count - found.named.length} more` : '';
  const [files, them] = found.count === 1 ? ['temporary file', 'it'] : ['temporary files', 'them'];
  log(`found ${found.count} ${files} of uploads cut by a serve that was killed, not written to for over ${LEFTOVER_AGE_MS / 3_600_000} h: ${found.named.map((name) => escapeForTerminal(name)).join(', ')}${more}; remove ${them} once no other serve on this root writes ${them}`);
}
