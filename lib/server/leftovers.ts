// Temporary files of uploads that no one may finish, looked for at start
// and then every day (a serve runs for months, and clients go away while it
// runs), in the background, and logged for the operator, never removed:
// - those a serve that was killed (SIGKILL, a power loss, a TimeoutStopSec
//   that ran out) left in its root: the `.NAME.scpipe-PID-X…` names scp
//   uploads are received into. A client may have stored a file under such a
//   name, and another serve on the same root (here or on another host) may
//   be writing one. So a name counts only when no process of its PID runs
//   here and it was not written to for LEFTOVER_AGE_MS;
// - scpipe's client's own over SFTP (`.NAME.scpipe-XXXXXX`), which a stop
//   keeps for the client to resume (sftp/left-open.ts), as does a client
//   that went away: one not written to for LEFTOVER_AGE_MS is named with its
//   size, since on an --append-only server no client may remove it.
// Names are read as bytes (util/byte-text.ts): an upload to a Latin-1 name
// leaves a temporary file of such a name, which lstat() must find.
import { join, relative } from 'node:path';
import { lstat, opendirBytes } from '../fs/byte-fs';
import { isUploadTempName } from '../fs/store-new';
import { tempFilePid } from '../fs/temp-file';
import { formatBytes } from '../spool/size';
import { fromBytes } from '../util/byte-text';
import { escapeForTerminal } from '../util/escape';
import { longTimeout } from '../util/long-timeout';
import { processRuns } from '../util/process-runs';

/** How long a temporary file must have gone unwritten to count as left over. */
const LEFTOVER_AGE_MS = 60 * 60 * 1000;

/** How often a running serve looks again, by default (--leftover-check-interval). */
export const DEFAULT_LEFTOVER_CHECK_MS = 24 * 60 * 60 * 1000;

/** Files named, at most, in the log line. */
const NAMED = 10;

/** Files of one kind the walk found: client paths (`/dir/.f.scpipe-…`, escaped, an SFTP one with its size), the first NAMED of `count`. */
interface Found {
  named: string[];
  count: number;
}

/** What the walk found: scp uploads' files of a killed serve, scpipe's SFTP uploads' left. */
interface Leftovers {
  killed: Found;
  kept: Found;
}

function add(found: Found, line: () => string): void {
  found.count += 1;
  if (found.named.length < NAMED) found.named.push(line());
}

/**
 * Walks `root` (not following links, not leaving its file system) for left
 * temporary files; stops early when `signal` aborts. Unreadable directories
 * are passed over.
 */
async function findLeftovers(root: string, signal?: AbortSignal, now = Date.now()): Promise<Leftovers> {
  const found: Leftovers = { killed: { named: [], count: 0 }, kept: { named: [], count: 0 } };
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
      if (!e.isFile()) continue;
      const pid = tempFilePid(name);
      const sftp = pid === undefined && isUploadTempName(name);
      if (pid === undefined ? !sftp : processRuns(pid)) continue;
      const st = await lstat(path).catch(() => undefined);
      if (!st || now - st.mtimeMs < LEFTOVER_AGE_MS) continue;
      const shown = escapeForTerminal(`/${relative(root, path)}`);
      if (sftp) add(found.kept, () => `${shown} (${formatBytes(st.size)})`);
      else add(found.killed, () => shown);
    }
  }
  return found;
}

/** Logs what findLeftovers() finds in `root`, if anything; never throws. */
export async function logLeftovers(root: string, log: (line: string) => void, signal?: AbortSignal): Promise<void> {
  const found = await findLeftovers(root, signal).catch(() => undefined);
  if (!found || signal?.aborted) return;
  const age = `not written to for over ${LEFTOVER_AGE_MS / 3_600_000} h`;
  const { killed, kept } = found;
  if (killed.count > 0) {
    const [files, them] = killed.count === 1 ? ['temporary file', 'it'] : ['temporary files', 'them'];
    log(`found ${killed.count} ${files} of uploads cut by a serve that was killed, ${age}: ${listed(killed)}; remove ${them} once no other serve on this root writes ${them}`);
  }
  if (kept.count > 0) {
    const [files, clients, gone, them] = kept.count === 1 ? ['temporary file', 'its client', 'a client that went away', 'it'] : ['temporary files', 'their clients', 'clients that went away', 'them'];
    log(`found ${kept.count} ${files} of scpipe uploads over SFTP (kept by a stop for ${clients} to resume, or left by ${gone}) ${age}: ${listed(kept)}; remove ${them} with serve's own account once ${clients} will not come back`);
  }
}

function listed(found: Found): string {
  const more = found.count > found.named.length ? ` and ${found.count - found.named.length} more` : '';
  return `${found.named.join(', ')}${more}`;
}

/**
 * logLeftovers() now, then every `everyMs` (0: only now) until `signal`
 * aborts; a look still walking when the next is due makes that one wait.
 */
export function watchLeftovers(root: string, log: (line: string) => void, signal: AbortSignal, everyMs: number, first?: () => Promise<void>): void {
  let cancel: (() => void) | undefined;
  const look = (): void => {
    // `first` (removing what has expired) before each look, which then names only what stays.
    void (first?.() ?? Promise.resolve()).catch(() => undefined).then(() => logLeftovers(root, log, signal)).then(() => {
      // unref: a look due does not keep a library's process alive.
      if (everyMs > 0 && !signal.aborted) cancel = longTimeout(look, everyMs, true);
    });
  };
  signal.addEventListener('abort', () => cancel?.(), { once: true });
  look();
}
