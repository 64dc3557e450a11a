// What ssh itself makes of the run's options (`ssh -G`: its config files,
// -o, -p and -F applied, `~` and %-tokens expanded): the real host name and
// port, a HostKeyAlias, the known_hosts file it records keys in. For
// commands a message gives to paste (openssh-unknown-key.ts): a config
// alias is no name ssh-keyscan can reach, nor the one a key is filed under.
import { execFile } from 'node:child_process';
import { childEnv } from '../util/child-env';
import { byteArgs } from './byte-argv';
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

/**
 * `ssh -G` for `opts`, or undefined where it cannot say (an ssh without -G, a
 * bad option). Not asked of a -S program, which may not know -G (as
 * openssh-defaults.ts). Asynchronous: a `Match exec` may take its time, and
 * signals and other channels' clean-up must not wait for it.
 */
export function sshEffective(opts: OpenSshOptions): Promise<SshEffective | undefined> {
  if (opts.sshPath !== undefined) return Promise.resolve(undefined);
  // The run's own arguments, but the remote command: the same config in effect.
  const [program, argv] = byteArgs('ssh', ['-G', ...sshArgs({ ...opts, verbose: false }, '').slice(0, -1)]);
  return new Promise((resolve) => {
    execFile(program, argv, { encoding: 'utf8', env: childEnv(), timeout: G_WAIT_MS }, (err, stdout) => resolve(err ? undefined : parseEffective(stdout)));
  });
}

/** The fields of `ssh -G`'s output `stdout`; undefined without a host name and port. */
export function parseEffective(stdout: string): SshEffective | undefined {
  const field = (key: string): string | undefined => new RegExp(`^${key} (.+)$`, 'm').exec(stdout)?.[1];
  const hostname = field('hostname');
  const port = Number(field('port'));
  if (hostname === undefined || !Number.isInteger(port)) return undefined;
  const knownHostsFile = firstFile(field('userknownhostsfile'));
  return { hostname, port, hostKeyAlias: field('hostkeyalias'), knownHostsFile: knownHostsFile === 'none' ? undefined : knownHostsFile };
}

// ssh -G joins the files with a space and quotes none (readconf.c,
// dump_cfg_strarray_oneline), `~` expanded: the next file starts at a space
// before a `/`. A name holding " /" itself, or a relative one after it, is still cut there.
function firstFile(list: string | undefined): string | undefined {
  return list?.split(/ (?=\/)/)[0];
}
