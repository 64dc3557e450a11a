// ssh reads ~/.ssh in the passwd entry's home, never HOME's, where the ssh2
// transport reads HOME's (docs/ssh-options.md): a job run with another HOME
// (sudo keeping it, a unit's Environment=) whose ~/.ssh holds the alias, key
// and known hosts fails under --transport openssh with ssh's words alone,
// "Could not resolve hostname vault". The hint names the two homes.
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { escapeForTerminal } from '../util/escape';
import { passwdHome as passwdHomeDir } from '../util/home';
import type { OpenSshOptions } from './openssh-args';

/** The hint after ssh's refusal before a session, where HOME's ~/.ssh is not the one ssh read; '' otherwise. */
export function otherHomeHint(opts: Pick<OpenSshOptions, 'configFile'>, home = process.env.HOME, passwdHome = passwdHomeDir()): string {
  if (opts.configFile !== undefined || home === undefined || !isAbsolute(home) || passwdHome === undefined) return '';
  if (resolve(home) === resolve(passwdHome)) return '';
  const dotSsh = join(home, '.ssh');
  if (!existsSync(dotSsh)) return '';
  const shown = (p: string): string => escapeForTerminal(p);
  return ` (ssh read ~/.ssh in ${shown(passwdHome)}, the passwd entry's home, not HOME's ${shown(dotSsh)}, which the ssh2 transport reads: leave out --transport openssh, or give -F ${shown(join(dotSsh, 'config'))} with the files it names by their full paths)`;
}
