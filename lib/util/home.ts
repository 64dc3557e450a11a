// Who runs scpipe and where ~ is, as ssh finds them, for environments that
// lack the usual answers: cron, systemd units, containers with an arbitrary uid.
import * as os from 'node:os';
import * as path from 'node:path';
import { ScpipeError } from '../errors';
import { escapeForTerminal } from './escape';

type UserInfo = () => { username: string; homedir: string };

/**
 * The home directory for ~ and ~/.ssh: HOME when it is an absolute path (a
 * private home, as the tests give), else the passwd entry's, the one ssh
 * uses. An empty or relative HOME made ~/.ssh/config the current directory's,
 * and ran its ProxyCommand. ERR_CONFIG when there is neither (no passwd entry
 * for the uid and no HOME): os.homedir() threw a bare system error there.
 */
export function homeDirectory(env: NodeJS.ProcessEnv = process.env, userInfo: UserInfo = os.userInfo): string {
  const home = env.HOME;
  if (home && path.isAbsolute(home)) return home;
  const entry = passwdEntry(userInfo);
  if (entry?.homedir && path.isAbsolute(entry.homedir)) return entry.homedir;
  const given = home === undefined ? 'not set' : `"${escapeForTerminal(home)}", not an absolute path`;
  throw new ScpipeError('ERR_CONFIG', `cannot tell the home directory for ~/.ssh: HOME is ${given} and ${whoAmI()} has no home in the passwd file; set HOME`);
}

/** The login name to use when none is given: the passwd entry's, else USER or LOGNAME, else ''. */
export function localUsername(env: NodeJS.ProcessEnv = process.env, userInfo: UserInfo = os.userInfo): string {
  return passwdEntry(userInfo)?.username || env.USER || env.LOGNAME || '';
}

/** ERR_CONFIG for a login that has no user name: none given, and localUsername() found none. */
export function noUserName(host: string): ScpipeError {
  return new ScpipeError('ERR_CONFIG', `no user name to log in to ${escapeForTerminal(host)} as: ${whoAmI()} has no passwd entry and USER is not set; give user@host`);
}

function passwdEntry(userInfo: UserInfo): { username: string; homedir: string } | undefined {
  try {
    return userInfo();
  } catch {
    return undefined; // ENOENT: no passwd entry for this uid
  }
}

function whoAmI(): string {
  const uid = process.getuid?.();
  return uid === undefined ? 'this user' : `uid ${uid}`;
}
