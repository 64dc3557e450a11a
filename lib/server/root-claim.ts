// --append-only: serves on one root must keep its owners of uploads in
// progress in one state directory, or each takes the other's uploads for
// ones with no owner on record, the first key to come gets them. So each
// serve on a root holds a socket in Linux's abstract namespace, named by
// the root (device and inode: the same directory by any path) and by its
// state directory, and refuses to start beside one of another state
// directory. Such a socket has no file to leave behind: it goes with its
// process, even after SIGKILL. Where /proc/net/unix cannot be read (not
// Linux), there is no check.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
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
    const path = line.trim().split(/\s+/)[7];
    if (path === undefined || !path.startsWith(mark)) continue;
    const [state, pid] = path.slice(mark.length).split('/');
    if (state === own) continue;
    throw new ScpipeError('ERR_USAGE', `bad --state-dir ${escapeForTerminal(stateDir)}: another serve --append-only (PID ${(pid ?? '?').split('.')[0]}) runs on the root ${escapeForTerminal(root)} with another state directory, where each would not see the other's owners of uploads in progress: give both the same --state-dir, or stop that one first`, { path: stateDir });
  }
}

function hash(text: string): string {
  return createHash('sha256').update(toBytes(text)).digest('hex').slice(0, 16);
}
