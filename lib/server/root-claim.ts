// --append-only: serves on one root must keep its owners of uploads in
// progress in one state directory, or each takes the other's uploads for
// ones with no owner on record, the first key to come gets them. So each
// serve on a root holds a socket in Linux's abstract namespace, named by
// the root (device and inode: the same directory by any path) and by its
// state directory, and refuses to start beside one of another state
// directory. Owners are kept by their path under the root, so a serve on a
// directory above or inside another's root sees that one's uploads with no
// owner on record whatever its state directory: each serve also holds a
// socket per directory above its root, and one is refused beside another
// whose root holds its own or is inside it. Such a socket has no file to
// leave behind: it goes with its process, even after SIGKILL. Where
// /proc/net/unix cannot be read (not Linux), there is no check. Any local
// user may bind such a name, with any PID in it: the refusal names the
// process that holds it, where it can tell (socket-holder.ts).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { dirname } from 'node:path';
import { ScpipeError } from '../errors';
import { stat } from '../fs/byte-fs';
import { toBytes } from '../util/byte-text';
import { escapeForTerminal } from '../util/escape';
import { holderOf, holderSaid } from './socket-holder';

const PREFIX = 'scpipe-serve-append-only';
const UNDER = 'under'; // `under/<a directory's id>`: a serve whose root is inside that directory
let held = 0;

/** What holds the claim: release() once the server stops. */
export interface RootClaim {
  release(): void;
}

// The root's id, its state directory's, and the ids of the directories above it.
interface Claim {
  root: string;
  id: string;
  own: string;
  above: string[];
  stateDir: string;
}

/**
 * Claims the root `root` (real) for a serve whose owners are kept in
 * `records` (prepareStateDir()'s answer); a usage error, naming the other's
 * PID, when a serve of another state directory runs on it, or any serve on
 * a directory above it or inside it, here or in the same network
 * namespace. `stateDir` is the option as given, for the message.
 */
export async function claimRoot(root: string, records: string, stateDir: string): Promise<RootClaim> {
  const above: string[] = [];
  for (let dir = root; dir !== dirname(dir); ) above.push(await idOf((dir = dirname(dir))));
  const claim: Claim = { root, id: await idOf(root), own: hash(records), above, stateDir };
  await refuseOthers(claim);
  const servers: Server[] = [];
  const release = (): void => servers.forEach((s) => s.close());
  try {
    for (const mark of [`${claim.id}/${claim.own}`, ...above.map((a) => `${UNDER}/${a}`)]) servers.push(await listen(`\0${PREFIX}/${mark}/${process.pid}.${++held}`));
    // Again: two starting at once each see the other's now, and neither runs.
    await refuseOthers(claim);
  } catch (err) {
    release();
    throw err;
  }
  return { release };
}

async function listen(name: string): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(name, () => resolve());
  });
  server.unref();
  return server;
}

async function refuseOthers(c: Claim): Promise<void> {
  const table = await readFile('/proc/net/unix', 'latin1').catch(() => '');
  const mark = `@${PREFIX}/`;
  for (const line of table.split('\n')) {
    const fields = line.trim().split(/\s+/);
    const path = fields[7];
    if (path === undefined || !path.startsWith(mark)) continue;
    const [first, second, pid] = path.slice(mark.length).split('/');
    const where =
      first === UNDER && second === c.id ? 'a directory inside this root' :
      first !== UNDER && c.above.includes(first ?? '') ? 'a directory that holds this root' :
      first === c.id && second !== c.own ? 'same' : undefined;
    if (where === undefined) continue;
    const named = /^\d+/.exec(pid ?? '')?.[0] ?? '?'; // any local user's text: digits only said
    const who = `another serve --append-only (${holderSaid(named, await holderOf(fields[6] ?? '', named))})`;
    const root = escapeForTerminal(c.root);
    if (where === 'same') {
      throw new ScpipeError('ERR_USAGE', `bad --state-dir ${escapeForTerminal(c.stateDir)}: ${who} runs on the root ${root} with another state directory, where each would not see the other's owners of uploads in progress: give both the same --state-dir, or stop that one first`, { path: c.stateDir });
    }
    throw new ScpipeError('ERR_USAGE', `bad --root ${root}: ${who} runs on ${where}, and each would take the other's uploads in progress for ones with no owner on record (owners are kept by their path under the root, whatever the state directory): give them roots apart, or serve both with one`, { path: c.root });
  }
}

async function idOf(dir: string): Promise<string> {
  const st = await stat(dir);
  return hash(`${st.dev}:${st.ino}`);
}

function hash(text: string): string {
  return createHash('sha256').update(toBytes(text)).digest('hex').slice(0, 16);
}
