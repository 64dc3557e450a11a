// ssh refusing an unknown host key under BatchMode says only that it failed:
// the built-in transport's message says how to add the key, and so does this one
// (ssh's own line naming the key, printed before it, gives no command).
import { shellWord } from '../util/shell-word';
import type { OpenSshOptions } from './openssh-args';

/** The hint after ssh's `Host key verification failed.` for a host whose key is not known. */
export function unknownKeyHint(opts: Pick<OpenSshOptions, 'host' | 'port' | 'options'>): string {
  const port = opts.port === undefined || opts.port === 22 ? '' : `-p ${opts.port} `;
  const host = shellWord(opts.host);
  const file = knownHostsFile(opts.options ?? []);
  const scan = `ssh-keyscan ${port}${host}`;
  return ` (the key of ${host}${opts.port === undefined ? '' : ` port ${opts.port}`} is not known; see its fingerprints with ${scan} | ssh-keygen -lf -, and if one is the server's, add it with: ${scan} >> ${file})`;
}

// The file ssh would record the key in: the first UserKnownHostsFile of -o (ssh takes the first), else the default.
function knownHostsFile(options: readonly string[]): string {
  for (const o of options) {
    const m = /^\s*UserKnownHostsFile\s*[=\s]\s*(\S+)/i.exec(o);
    if (m !== null) return m[1] === 'none' ? '~/.ssh/known_hosts' : shellWord(m[1]!);
  }
  return '~/.ssh/known_hosts'; // the shell expands the ~
}
