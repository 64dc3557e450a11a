// `~name/…` in ssh_config file names is the home of that user's passwd
// entry, as ssh's tilde_expand_filename() has it. Node has no getpwnam(),
// so getent(1) answers, through NSS as ssh's lookup does.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ScpipeError } from '../errors';
import { escapeForTerminal } from './escape';

function passwdLine(name: string): string | undefined {
  const got = spawnSync('getent', ['passwd', '--', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  if (got.error === undefined) return got.status === 0 ? got.stdout.split('\n')[0] : undefined;
  // No getent (a minimal container): the passwd file alone.
  try {
    return readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${name}:`));
  } catch {
    return undefined;
  }
}

/** The home directory of user `name`; ERR_CONFIG naming `what` where there is no such user, as ssh stops there. */
export function userHome(name: string, what: string): string {
  const fields = passwdLine(name)?.split(':');
  // getent also takes a uid: only an entry of that very name counts.
  if (fields === undefined || fields[0] !== name || !fields[5]) {
    throw new ScpipeError('ERR_CONFIG', `${what}: ~${escapeForTerminal(name)}: no such user`);
  }
  return fields[5];
}

/** `~` and `~/…` are `home`; `~name` and `~name/…` that user's home; anything else is returned as it is. */
export function expandTilde(text: string, home: string, what: string): string {
  const m = /^~([^/]*)(\/.*)?$/s.exec(text);
  if (!m) return text;
  return (m[1] === '' ? home : userHome(m[1], what)) + (m[2] ?? '');
}
