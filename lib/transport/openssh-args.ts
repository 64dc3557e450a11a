// The command line the openssh transport runs: the system `ssh` with scp's
// safety options, then the user's, then the host and the remote command.
import { FORCED_LINES } from './session-marker';

/** How to reach the host with the system ssh. */
export interface OpenSshOptions {
  /** Host name, address or ~/.ssh/config alias. */
  host: string;
  /** `-l USER` (from user@host). */
  user?: string;
  /** `-p PORT` (scp's -P). */
  port?: number;
  /** `-i FILE`, each. */
  identityFiles?: string[];
  /** `-F FILE` (`none`: no config at all). */
  configFile?: string;
  /** `-o Key=Value`, each, passed through unchanged. */
  options?: string[];
  /** The ssh program; default `ssh` on PATH. */
  sshPath?: string;
  /** `-v`: ssh's debug output on its stderr. */
  verbose?: boolean;
  /** Never prompt (`-oBatchMode=yes`), unless an -o option says otherwise. */
  batchMode?: boolean;
  /** `-oServerAliveInterval=N` (openssh-defaults.ts): the built-in transport's default, where the user set none. */
  serverAliveInterval?: number;
  /** `-oConnectTimeout=N`: a reconnection's bound where the user set none (openssh-defaults.ts), named in its timeout's message. */
  connectTimeout?: number;
  /** ServerAliveInterval × ServerAliveCountMax in effect (seconds), to name when ssh ends silently after it. */
  aliveBoundS?: number;
  /** A ControlPath in effect (openssh-defaults.ts): a lost connection's reason may be the master's alone. */
  multiplexed?: boolean;
  /** ssh may ask a person (no BatchMode, and a terminal or askpass to ask on): its login may wait for them. */
  mayPrompt?: boolean;
}

// As OpenSSH's scp main(): no X11, no local command, no forwardings, the
// remote command and no TTY (a PTY corrupts binary data, docs/protocol.md §1), no
// agent forwarding. They come first because ssh keeps the first value it
// sees for an option, so nothing later on the line or in a config file can
// undo them. Unlike scp 10.x, ControlMaster is left alone: a user's
// multiplexed connection is one of the reasons to choose this transport.
const SAFETY = [
  '-x',
  '-oPermitLocalCommand=no',
  '-oClearAllForwardings=yes',
  '-oRemoteCommand=none',
  '-oRequestTTY=no',
  '-oForwardAgent=no',
];

/**
 * The argument vector for `ssh` (without the program). The user's -o options
 * come before -p and -l, as scp orders them, so `-o Port`/`-o User` win (ssh
 * keeps the first value). BatchMode and the log level come after them, so the
 * user's -o can override. `marked`: ssh logs the lines that say it is in the session.
 */
export function sshArgs(opts: OpenSshOptions, command: string, subsystem = false, marked = false): string[] {
  const args = [...SAFETY];
  for (const option of opts.options ?? []) args.push('-o', option);
  if (opts.port !== undefined) args.push('-p', String(opts.port));
  if (opts.user !== undefined) args.push('-l', opts.user);
  if (opts.configFile !== undefined) args.push('-F', opts.configFile);
  for (const file of opts.identityFiles ?? []) args.push('-i', file);
  if (opts.batchMode) args.push('-oBatchMode=yes');
  if (opts.serverAliveInterval !== undefined) args.push(`-oServerAliveInterval=${opts.serverAliveInterval}`);
  if (opts.connectTimeout !== undefined) args.push(`-oConnectTimeout=${opts.connectTimeout}`);
  // Not -q: LogLevel QUIET also silences ssh's fatal messages ("Connection
  // refused", "Permission denied"), which are what the user needs to see.
  // ERROR hides only the chatter (banners, "Permanently added").
  args.push(opts.verbose ? '-v' : '-oLogLevel=ERROR');
  if (marked) args.push(`-oLogVerbose=${FORCED_LINES}`); // when ssh is in the session (session-marker.ts)
  if (subsystem) args.push('-s'); // `command` names a subsystem (sftp), as OpenSSH's sftp runs ssh
  args.push('--', opts.host, command);
  return args;
}
