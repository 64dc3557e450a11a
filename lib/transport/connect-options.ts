// The options of a connection, whichever transport makes it (ssh2 in this
// process, or the system ssh): the host, ssh-style options, and how to talk
// to the user. The library's callers pass them (index.ts).
import type { SshOptions } from './ssh-config';
import type { BandwidthLimit } from '../util/token-bucket';

/** Where and how to connect: a host alias plus ssh-style options. */
export interface ConnectOptions extends SshOptions {
  /** Host name or ~/.ssh/config alias. */
  host: string;
  /** Verbose diagnostics (-v), one line each. */
  log?: (line: string) => void;
  /** What ssh prints at its default log level (a changed host key, "Permanently added"); default: log. */
  warn?: (line: string) => void;
  /**
   * The server's login banner (sshd's `Banner`: a notice, a quota warning),
   * one escaped line at a time, as ssh shows it at its default log level;
   * default: log. Not shown under LogLevel QUIET, FATAL or ERROR.
   */
  banner?: (line: string) => void;
  /** Asks the user (passphrases, passwords, a new host key); absent = non-interactive. */
  prompt?: (question: string, echo: boolean) => Promise<string | null>;
  /**
   * `ssh2` (default): this process speaks SSH. `openssh`: each command runs
   * under the system `ssh` binary, with the user's whole OpenSSH set-up
   * (ProxyJump, ControlMaster, FIDO keys, Match); -P, -i, -F and -o are
   * passed to it unchanged, and it prompts on the terminal by itself.
   */
  transport?: 'ssh2' | 'openssh';
  /** With `transport: 'openssh'`: the ssh program (default `ssh` on PATH). */
  sshPath?: string;
  /** -l: a bandwidth limit, shared by every connection given the same object (bandwidthLimit()). */
  bandwidth?: BandwidthLimit;
  /**
   * --stall-timeout: end the connection (a lost connection, retried as one)
   * when the remote has moved no byte for this long while it owed one (room
   * in the channel window, an answer); 0 or absent: never.
   */
  stallTimeoutMs?: number;
  /**
   * --start-timeout: how long a command scpipe started (`scp -t`, the sftp
   * subsystem) may take to send its first byte, counted from the server's
   * acceptance of it (default 10 000): a silent one is taken for a forced
   * command that is not scp or sftp-server; a new subsystem silent beside
   * others that spoke SFTP ends the connection instead (without stallTimeoutMs),
   * to be retried. Raise it for a host whose login
   * shell takes longer to start the command (a slow NFS home).
   */
  startTimeoutMs?: number;
  /** How many ProxyJump hops lie before this connection (set for the hops themselves). */
  jumpDepth?: number;
}
