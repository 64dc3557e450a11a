// ssh refusing an unknown host key under BatchMode says only that it failed:
// the built-in transport's message says how to add the key, and so does this one
// (ssh's own line naming the key, printed before it, gives no command).
import { shellWord } from '../util/shell-word';
import type { OpenSshOptions } from './openssh-args';
import type { SshEffective } from './openssh-effective';

/**
 * The hint after ssh's `Host key verification failed.` for a host whose key
 * is not known. `effective` (ssh -G): where ssh-keyscan must reach and
 * where ssh files the key, which a config alias or HostKeyAlias changes.
 */
export function unknownKeyHint(opts: Pick<OpenSshOptions, 'host' | 'port' | 'options'>, effective?: SshEffective): string {
  const reach = effective?.port ?? opts.port;
  const port = reach === undefined || reach === 22 ? '' : `-p ${reach} `;
  const host = shellWord(opts.host);
  // ssh -G's (the -o's and the config's, expanded), else -o's as given (a -S program is not asked).
  const file = effective?.knownHostsFile !== undefined ? shellWord(effective.knownHostsFile) : (knownHostsOption(opts.options ?? []) ?? '~/.ssh/known_hosts'); // the shell expands the ~
  const scan = `ssh-keyscan ${port}${shellWord(effective?.hostname ?? opts.host)}`;
  // Filed under the alias, as ssh looks it up (its port is not part of the name then).
  // sed's replacement takes \, / and & as its own: escaped, the alias is written as ssh takes it.
  const rename = effective?.hostKeyAlias === undefined ? '' : ` | sed ${shellWord(`s/^[^ ]*/${effective.hostKeyAlias.replace(/[\\/&]/g, '\\$&')}/`)}`;
  return ` (the key of ${host}${opts.port === undefined ? '' : ` port ${opts.port}`} is not known; see its fingerprints with ${scan} | ssh-keygen -lf -, and if one is the server's, add it with: ${scan}${rename} >> ${file})`;
}

// The first UserKnownHostsFile of -o (ssh takes the first), as a shell word; undefined without one.
function knownHostsOption(options: readonly string[]): string | undefined {
  for (const o of options) {
    const m = /^\s*UserKnownHostsFile\s*[=\s]\s*(\S+)/i.exec(o);
    if (m === null) continue;
    if (m[1] === 'none') return '~/.ssh/known_hosts';
    // ssh expands a leading ~ itself: left bare, so the shell does too.
    return m[1]!.startsWith('~/') ? `~/${shellWord(m[1]!.slice(2))}` : shellWord(m[1]!);
  }
  return undefined;
}
