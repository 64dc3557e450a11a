// serve's state directory: where --append-only keeps which login made each
// upload's temporary file (owner-records.ts), so that a restart keeps them.
// Outside the root, serve's own and private: a client that could read or
// write it could take another's upload in progress.
import { createHash } from 'node:crypto';
import { realpath, stat } from '../fs/byte-fs';
import { isAbsolute, join, sep } from 'node:path';
import { ScpipeError } from '../errors';
import { makeDirs } from '../fs/make-dirs';
import { strerror } from '../fs/strerror';
import { toBytes } from '../util/byte-text';
import { escapeForTerminal } from '../util/escape';
import { findHome } from '../util/home';
import { deniedToServe } from './serve-uid';
import { parentsProblem } from './strict-modes';

// The two ways to a state directory that serve can make, for a refusal of the default one.
const GIVE_STATE_DIR = 'give one with --state-dir DIR, or add StateDirectory=scpipe to the systemd unit that runs serve';

/**
 * The default state directory: systemd's StateDirectory= ($STATE_DIRECTORY,
 * the first of its list: a DynamicUser= service has no home), else
 * /var/lib/scpipe for root (as sshd's own state), else
 * $XDG_STATE_HOME/scpipe (an absolute one), else ~/.local/state/scpipe;
 * with no home, a usage error naming --state-dir.
 */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env, uid = process.getuid?.(), userInfo?: () => { username: string; homedir: string }): string {
  const systemd = env.STATE_DIRECTORY?.split(':')[0];
  if (systemd && isAbsolute(systemd)) return systemd;
  if (uid === 0) return '/var/lib/scpipe';
  const xdg = env.XDG_STATE_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'scpipe');
  const home = findHome(env, userInfo);
  if (typeof home !== 'string') throw new ScpipeError('ERR_USAGE', `cannot tell where to keep the owners of uploads in progress (~/.local/state/scpipe): ${home.why}; ${GIVE_STATE_DIR}`);
  return join(home, '.local', 'state', 'scpipe');
}

/**
 * Makes `dir` (0700) as needed and checks it: serve's own user's, writable
 * by no one else, not the root nor inside it (`root`: its real path).
 * Resolves with the directory of this root's records in it, made 0700 too.
 * `byDefault`: no --state-dir was given, so a refusal says how to give one.
 */
export async function prepareStateDir(dir: string, root: string, byDefault = false): Promise<string> {
  const shown = escapeForTerminal(dir);
  const bad = (why: string, cause?: unknown): ScpipeError =>
    new ScpipeError('ERR_USAGE', byDefault ? `cannot use the default state directory ${shown}: ${why}; ${GIVE_STATE_DIR}` : `bad --state-dir ${shown}: ${why}`, { path: dir, cause });
  let real: string;
  try {
    await makeDirs(dir, 0o700);
    real = await realpath(dir);
  } catch (err) {
    throw bad(`${strerror(err)}${deniedToServe(err)}`, err);
  }
  if (real === root || real.startsWith(root.endsWith(sep) ? root : root + sep)) throw bad('it is inside the root, where clients could change who owns an upload');
  await checkPrivate(real, bad);
  await checkParents(real, bad);
  // One directory per root: two serves over different roots may share the state directory.
  // Named by the root's bytes: as text, roots that differ in a byte that is not UTF-8 would share one.
  const records = join(real, `append-only-${createHash('sha256').update(toBytes(root)).digest('hex').slice(0, 16)}`);
  try {
    await makeDirs(records, 0o700);
  } catch (err) {
    throw bad(`${escapeForTerminal(records)}: ${strerror(err)}${deniedToServe(err)}`, err);
  }
  await checkPrivate(records, bad);
  return records;
}

// As sshd's StrictModes for its own files: another user who may write here could name a new owner.
async function checkPrivate(dir: string, bad: (why: string) => ScpipeError): Promise<void> {
  const st = await stat(dir);
  if (!st.isDirectory()) throw bad(`${escapeForTerminal(dir)} is not a directory`);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) throw bad(`${escapeForTerminal(dir)} belongs to uid ${st.uid}, not to serve's uid ${uid}`);
  const mode = st.mode & 0o777;
  if (mode & 0o022) throw bad(`${escapeForTerminal(dir)} may be written by others (mode ${mode.toString(8).padStart(4, '0')}): chmod 700 it`);
}

// The directories above, as sshd's StrictModes sees them (strict-modes.ts).
async function checkParents(real: string, bad: (why: string) => ScpipeError): Promise<void> {
  const problem = await parentsProblem(real);
  if (problem !== undefined) throw bad(problem);
}
