// What the openssh transport adds to ssh's own defaults, asked of `ssh -G`
// once per run's target: a keepalive (ssh's default is none) and, for a
// retry's reconnection, a ConnectTimeout (ssh's default is none either), as
// the built-in transport bounds both.
import { execFile } from 'node:child_process';
import { childEnv } from '../util/child-env';
import { byteArgs } from './byte-argv';
import { DEFAULT_SERVER_ALIVE_S } from './resolved-host';
import { sshArgs, type OpenSshOptions } from './openssh-args';
import { DEFAULT_CONNECT_TIMEOUT_MS } from './handshake-bounds';

/** ConnectTimeout of a reconnection where the user set none, in seconds (the ssh2 transport's too). */
export const RECONNECT_TIMEOUT_S = Math.ceil(DEFAULT_CONNECT_TIMEOUT_MS / 1000);

/** The settings scpipe adds for a target, and what ssh's keepalive then bounds. */
export interface SshDefaults {
  /** `-oServerAliveInterval=N` to add: none is set (`ssh -G` says 0). */
  serverAliveInterval?: number;
  /** The user set ConnectTimeout (or it could not be asked: another program, -S). */
  connectTimeoutSet: boolean;
  /**
   * ServerAliveInterval × ServerAliveCountMax in effect, in seconds: ssh also
   * bounds each wait for the server in the key exchange and the login by it,
   * and says so only at LogLevel INFO (openssh-transport.ts names it).
   */
  aliveBoundS?: number;
  /** BatchMode in effect (ours, the user's -o or config): ssh never asks anyone. */
  batchMode: boolean;
  /** A ControlPath in effect: ssh may be a client of a master, which alone knows why a connection went. */
  multiplexed: boolean;
}

/**
 * The defaults for `opts`. Asked of the system ssh only: another program
 * (-S) may not know -G, and gets none added.
 */
export function sshDefaults(opts: OpenSshOptions): Promise<SshDefaults> {
  const optionSet = (name: string): boolean => (opts.options ?? []).some((o) => new RegExp(`^\\s*${name}\\b`, 'i').test(o));
  if (opts.sshPath !== undefined) return Promise.resolve({ connectTimeoutSet: true, batchMode: !!opts.batchMode || optionSet('batchmode\\s*=?\\s*yes'), multiplexed: optionSet('controlpath') });
  const args = sshArgs({ ...opts, serverAliveInterval: undefined, connectTimeout: undefined, verbose: false }, '').slice(0, -3); // without `-- host command`
  const ask = (first: string[]): Promise<string> => {
    const [program, argv] = byteArgs('ssh', [...first, ...args, '-G', '--', opts.host]); // a -F or -i path that is not UTF-8 as its bytes
    return new Promise((resolve) => execFile(program, argv, { encoding: 'utf8', env: childEnv(), timeout: 5_000 }, (_err, stdout) => resolve(stdout ?? '')));
  };
  const valueIn = (stdout: string, key: string): string | undefined => new RegExp(`^${key} (\\S+)$`, 'm').exec(stdout)?.[1];
  return ask([]).then(async (stdout) => {
    const value = (key: string): string | undefined => valueIn(stdout, key);
    const batchMode = value('batchmode') === 'yes';
    let interval = value('serveraliveinterval');
    // BatchMode makes ssh's ServerAliveInterval 300 s where none is set (readconf.c): a hung
    // login would be waited for 15 minutes. Asked again without it (ssh keeps an option's
    // first value) to tell that default from a 300 the user set.
    if (batchMode && interval === '300' && !optionSet('serveraliveinterval')) interval = valueIn(await ask(['-oBatchMode=no']), 'serveraliveinterval') ?? interval;
    const count = Number(value('serveralivecountmax') ?? 3);
    const addAlive = interval === '0' && !optionSet('serveraliveinterval');
    const aliveS = addAlive ? DEFAULT_SERVER_ALIVE_S : Number(interval ?? 0);
    return {
      serverAliveInterval: addAlive ? DEFAULT_SERVER_ALIVE_S : undefined,
      connectTimeoutSet: value('connecttimeout') !== 'none',
      aliveBoundS: aliveS > 0 && count > 0 ? aliveS * count : undefined,
      batchMode,
      multiplexed: (value('controlpath') ?? 'none') !== 'none',
    };
  });
}
