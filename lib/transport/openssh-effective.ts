// What ssh itself makes of the run's options (`ssh -G`: its config files,
// -o, -p and -F applied, `~` and %-tokens expanded): the real host name and
// port, a HostKeyAlias, the known_hosts file it records keys in. For
// commands a message gives to paste (openssh-unknown-key.ts): a config
// alias is no name ssh-keyscan can reach, nor the one a key is filed under.
import { spawnSync } from 'node:child_process';
import { childEnv } from '../util/child-env';
import { sshArgs, type OpenSshOptions } from './openssh-args';

/** The fields of `ssh -G` a known_hosts command needs. */
export interface SshEffective {
  hostname: string;
  port: number;
  hostKeyAlias?: string;
  /** The first UserKnownHostsFile (the one ssh adds keys to), expanded. */
  knownHostsFile?: string;
}

// ssh -G reads files only (a `Match exec` aside): a few seconds is plenty.
const G_WAIT_MS = 5000;

/** `ssh -G` for `opts`, or undefined where it cannot say (an ssh without -G, a bad option). */
export function sshEffective(opts: OpenSshOptions): SshEffective | undefined {
  // The run's own arguments, but the remote command: the same config in effect.
  const args = sshArgs({ ...opts, verbose: false }, '').slice(0, -1);
  const r = spawnSync(opts.sshPath ?? 'ssh', ['-G', ...args], { encoding: 'utf8', env: childEnv(), timeout: G_WAIT_MS, stdio: ['ignore', 'pipe', 'ignore'] });
  if (r.status !== 0 || typeof r.stdout !== 'string') return undefined;
  const field = (key: string): string | undefined => new RegExp(`^${key} (.+)$`, 'm').exec(r.stdout)?.[1];
  const hostname = field('hostname');
  const port = Number(field('port'));
  if (hostname === undefined || !Number.isInteger(port)) return undefined;
  const knownHostsFile = field('userknownhostsfile')?.split(' ')[0];
  return { hostname, port, hostKeyAlias: field('hostkeyalias'), knownHostsFile: knownHostsFile === 'none' ? undefined : knownHostsFile };
}
