// Who runs scpipe and where ~ is, as ssh finds them, for environments that
// lack the usual answers: cron, systemd units, containers with an arbitrary uid.
import * as os from 'node:os';
import * as path from 'node:path';
import { ScpipeError } from '../errors';
import { escapeForTerminal } from './escape';
import { OPEN_FILE_LIMIT_HINT } from './limits';

type UserInfo = () => { username: string; homedir: string };

/**
 * The home directory for ~ and ~/.ssh: HOME when it is an absolute path (a
 * private home, as the tests give), else the passwd entry's, the one ssh
 * uses. An empty or relative HOME made ~/.ssh/config the current directory's,
 * and ran its ProxyCommand. ERR_CONFIG when there is neither (no passwd entry
 * for the uid and no HOME): os.homedir() threw a bare system error there.
 */
export function homeDirectory(env: NodeJS.ProcessEnv = process.env, userInfo: UserInfo = os.userInfo): string {
  const found = findHome(env, userInfo);
  if (typeof found === 'string') return found;
  throw new ScpipeError('ERR_CONFIG', `cannot tell the home directory for ~/.ssh: ${found.why}; set HOME`);
}

/** homeDirectory()'s answer, or why there is none (`HOME is not set and uid 54321 has no home in the passwd file`), for callers with their own advice. */
export function findHome(env: NodeJS.ProcessEnv = process.env, userInfo: UserInfo = os.userInfo): string | { why: string } {
  const home = env.HOME;
  if (home && path.isAbsolute(home)) return home;
  const entry = passwdEntry(userInfo);
  if (entry?.homedir && path.isAbsolute(entry.homedir)) return entry.homedir;
  const given = home === undefined ? 'not set' : `"${escapeForTerminal(home)}", not an absolute path`;
  return { why: `HOME is ${given} and ${whoAmI()} has no home in the passwd file` };
}

/** The login name to use when none is given: the passwd entry's, else USER or LOGNAME, else ''. */
export function localUsername(env: NodeJS.ProcessEnv = process.env, userInfo: UserInfo = os.userInfo): string {
  return passwdEntry(userInfo)?.username || env.USER || env.LOGNAME || '';
}

/** ERR_CONFIG for a login that has no user name: none given, and localUsername() found none. */
export function noUserName(host: string, userInfo: UserInfo = os.userInfo): ScpipeError {
  if (passwdUnreadable(userInfo)) {
    // Out of descriptors, the passwd file could not be read: not a uid without an entry.
    return new ScpipeError('ERR_CONFIG', `no user name to log in to ${escapeForTerminal(host)} as: cannot read the passwd file: Too many open files (${OPEN_FILE_LIMIT_HINT})`);
  }
  return new ScpipeError('ERR_CONFIG', `no user name to log in to ${escapeForTerminal(host)} as: ${whoAmI()} has no passwd entry and USER is not set; give user@host`);
}

/** The passwd entry's home, the one ssh reads ~/.ssh in whatever HOME says; undefined for a uid without one. */
export function passwdHome(userInfo: UserInfo = os.userInfo): string | undefined {
  return passwdEntry(userInfo)?.homedir || undefined;
}

function passwdEntry(userInfo: UserInfo): { username: string; homedir: string } | undefined {
  try {
    return userInfo();
  } catch {
    return undefined; // ENOENT: no passwd entry for this uid
  }
}

function passwdUnreadable(userInfo: UserInfo): boolean {
  try {
    userInfo();
    return false;
  } catch (err) {
    return (err as { info?: { code?: unknown } }).info?.code === 'EMFILE';
  }
}

function whoAmI(): string {
  const uid = process.getuid?.();
  return uid === undefined ? 'this user' : `uid ${uid}`;
}
