// A remote command scpipe started answers at once: `scp -t` sends its first
// \0 (docs/protocol.md §4.1), sftp-server its version. One that stays silent
// is something else (a forced command that reads and never writes), where
// OpenSSH's scp and sftp wait for good. Both transports bound those waits
// (source.ts, openssh-first-byte.ts, sftp-open.ts, openssh-sftp.ts) and say
// it so; a host slow to start the command (a login shell on a slow NFS home)
// gets a longer bound from ConnectOptions.startTimeoutMs (--start-timeout).
import { ScpipeError } from '../errors';
import { escapeForTerminal } from '../util/escape';

/** How long a started command may take to send its first byte where startTimeoutMs is not given. */
export const DEFAULT_START_TIMEOUT_MS = 10_000;

/** The bound where `given` (a target's startTimeoutMs) is absent. */
export function startTimeout(given: { startTimeoutMs?: number } | undefined): number {
  return given?.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
}

// The other reading of the silence, named in both messages.
const SLOW_HOST = 'or the host is slower to start it: raise --start-timeout';

/** ERR_PROTOCOL_REFUSED for `command`, silent `ms` after it was started (`since`: "it started", "ssh started it"). */
export function noFirstReply(command: string, ms: number, since: string, cause?: unknown): ScpipeError {
  return new ScpipeError('ERR_PROTOCOL_REFUSED', `the remote command ${escapeForTerminal(command)} sent no answer in ${ms / 1000} s after ${since} (the account's forced command may not be scp, ${SLOW_HOST})`, { cause });
}

/** ERR_PROTOCOL_REFUSED for an sftp subsystem that sent no whole version in `ms` (`heard`: the bytes it did send). */
export function noSftpVersion(ms: number, heard = 0): ScpipeError {
  const what = heard === 0 ? '' : `${heard} byte${heard === 1 ? '' : 's'} but `;
  return new ScpipeError('ERR_PROTOCOL_REFUSED', `the sftp subsystem sent ${what}no SFTP version in ${ms / 1000} s (the account's forced command may not be sftp-server, ${SLOW_HOST})`);
}
