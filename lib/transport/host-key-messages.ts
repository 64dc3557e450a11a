// What ssh says of a host key it will not simply trust: the banner for a
// changed key it connects to anyway, and how to add an unknown one.
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ResolvedHost } from './ssh-config';
import { shellWord } from '../util/shell-word';
import { hostPath } from '../util/byte-text';

// ssh names a key type in its messages as sshkey_type() does (ED25519,
// RSA, ECDSA), not by its wire name; lines that repeat ssh's words use it.
const SHORT_NAMES: Record<string, string> = {
  'ssh-rsa': 'RSA', 'ssh-dss': 'DSA', 'ssh-ed25519': 'ED25519', 'ssh-xmss@openssh.com': 'XMSS',
  'sk-ssh-ed25519@openssh.com': 'ED25519-SK', 'sk-ecdsa-sha2-nistp256@openssh.com': 'ECDSA-SK',
};

/** `ssh-ed25519` as ssh says it: `ED25519`; a type it has no short name for as it is. */
export function sshKeyTypeName(type: string): string {
  return SHORT_NAMES[type] ?? (/^ecdsa-sha2-/.test(type) ? 'ECDSA' : type);
}

/** ssh's warning for a changed key it connects to anyway (sshconnect.c). */
export function changedKeyWarning(wireType: string, fp: string, where: string, file: string): string[] {
  const type = sshKeyTypeName(wireType);
  return [
    '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
    '@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @',
    '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
    'IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!',
    'Someone could be eavesdropping on you right now (man-in-the-middle attack)!',
    'It is also possible that a host key has just been changed.',
    `The fingerprint for the ${type} key sent by the remote host is`,
    `${fp}.`,
    'Please contact your system administrator.',
    `Add correct host key in ${file} to get rid of this message.`,
    `Offending ${type} key in ${where}`,
    'Password authentication is disabled to avoid man-in-the-middle attacks.',
    'Keyboard-interactive authentication is disabled to avoid man-in-the-middle attacks.',
  ];
}

/** The command that adds the key of `host` (known_hosts name `name`) to the user's known_hosts. */
export function addKeyCommand(host: Readonly<ResolvedHost>, name: string, type: string): string {
  // ssh-keyscan reaches the real host and port; a HostKeyAlias is the name to file the key under.
  const port = host.port === 22 ? '' : `-p ${host.port} `;
  const rename = host.hostKeyAlias === undefined ? '' : ` | sed 's/^[^ ]*/${name}/'`;
  const first = host.knownHostsFiles[0];
  const file = first === undefined ? '~/.ssh/known_hosts' : shellWord(first); // the shell expands the ~
  // A fresh account (a cron user) has no ~/.ssh yet: `>>` alone would fail there.
  const mkdir = first !== undefined && existsSync(hostPath(dirname(first))) ? '' : `mkdir -p -m 700 ${first === undefined ? '~/.ssh' : shellWord(dirname(first))} && `;
  return `${mkdir}ssh-keyscan ${port}-t ${type} ${host.hostname}${rename} >> ${file}`;
}
