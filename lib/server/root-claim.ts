// --append-only: serves on one root must keep its owners of uploads in
// progress in one state directory, or each takes the other's uploads for
// ones with no owner on record, the first key to come gets them. So each
// serve on a root holds a socket in Linux's abstract namespace, named by
// the root (device and inode: the same directory by any path) and by its
// state directory, and refuses to start beside one of another state
// directory. Such a socket has no file to leave behind: it goes with its
// process, even after SIGKILL. Where /proc/net/unix cannot be read (not
// Linux), there is no check. Any local user may bind such a name, with any
// PID in it: the refusal names the process that holds it, where it can tell.
import { createHash } from 'node:crypto';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { createServer } from 'node:net';
import { ScpipeError } from '../errors';
import { stat } from '../fs/byte-fs';
import { toBytes } from '../util/byte-text';
import { escapeForTerminal } from '../util/escape';

const PREFIX = 'scpipe-serve-append-only';
let held = 0;

/** What holds the claim: release() once the server stops. */
export interface RootClaim {
  release(): void;
}

/**
 * Claims the root `root` (real) for a serve whose owners are kept in
 * `records` (prepareStateDir()'s answer); a usage error, naming the other's
 * PID, when a serve of another state directory runs on it, here or in the
 * same network namespace. `stateDir` is the option as given, for the message.
 */
export async function claimRoot(root: string, records: string, stateDir: string): Promise<RootClaim> {
  const st = await stat(root);
  const rootId = hash(`${st.dev}:${st.ino}`);
  const own = hash(records);
  await refuseOthers(root, rootId, own, stateDir);
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(`\0${PREFIX}/${rootId}/${own}/${process.pid}.${++held}`, () => resolve());
  });
  server.unref();
  // Again: two starting at once each see the other's now, and neither runs.
  await refuseOthers(root, rootId, own, stateDir).catch((err: unknown) => {
    server.close();
    throw err;
  });
  return { release: () => server.close() };
}

async function refuseOthers(root: string, rootId: string, own: string, stateDir: string): Promise<void> {
  const table = await readFile('/proc/net/unix', 'latin1').catch(() => '');
  const mark = `@${PREFIX}/${rootId}/`;
  for (const line of table.split('\n')) {
    const fields = line.trim().split(/\s+/);
    const path = fields[7];
    if (path === undefined || !path.startsWith(mark)) continue;
    const [state, pid] = path.slice(mark.length).split('/');
    if (state === own) continue;
    const named = /^\d+/.exec(pid ?? '')?.[0] ?? '?'; // any local user's text: digits only said
    const holder = await holderOf(fields[6] ?? '', named);
    const bad = `bad --state-dir ${escapeForTerminal(stateDir)}: `;
    const fix = 'give both the same --state-dir, or stop that one first';
    if (holder === undefined || holder.pid === named) {
      const unchecked = holder === undefined ? ' by its name, which this user cannot check: `ss -xlp` run as root shows what holds it' : '';
      throw new ScpipeError('ERR_USAGE', `${bad}another serve --append-only (PID ${named}${unchecked}) runs on the root ${escapeForTerminal(root)} with another state directory, where each would not see the other's owners of uploads in progress: ${fix}`, { path: stateDir });
    }
    throw new ScpipeError('ERR_USAGE', `${bad}PID ${holder.pid} (uid ${holder.uid}) holds the mark of a serve --append-only on the root ${escapeForTerminal(root)} with another state directory, though the mark names PID ${named}: if it is a serve, ${fix}; if not, it keeps serve from starting: stop it`, { path: stateDir });
  }
}

// The process that holds the socket of inode `inode`, the PID its name gives
// looked at first; undefined when none this user may look into holds it
// (root sees every process, another user only its own).
async function holderOf(inode: string, named: string): Promise<{ pid: string; uid: string } | undefined> {
  if (!/^\d+$/.test(inode)) return undefined;
  const socket = `socket:[${inode}]`;
  const others = (await readdir('/proc').catch(() => [] as string[])).filter((p) => /^\d+$/.test(p) && p !== named);
  for (const pid of [named, ...others]) {
    for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [] as string[])) {
      if ((await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')) !== socket) continue;
      const status = await readFile(`/proc/${pid}/status`, 'latin1').catch(() => '');
      return { pid, uid: /^Uid:\s+(\d+)/m.exec(status)?.[1] ?? '?' };
    }
  }
  return undefined;
}

function hash(text: string): string {
  return createHash('sha256').update(toBytes(text)).digest('hex').slice(0, 16);
}
