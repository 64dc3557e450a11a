// `scp -t` sends its first \0 as it starts (docs/protocol.md §4.1): a remote
// command that stays silent is something else (a forced command that reads
// and never writes), where OpenSSH's scp waits for good. Both transports
// bound that wait (source.ts, openssh-first-byte.ts) and say it so.
import { ScpipeError } from '../errors';
import { escapeForTerminal } from '../util/escape';

/** How long a started `scp -t` may take to send its first byte: as long as the sftp subsystem may take for its version (openssh-sftp.ts). */
export const FIRST_REPLY_WAIT_MS = 10_000;

/** ERR_PROTOCOL_REFUSED for `command`, silent `ms` after it was started (`since`: "it started", "ssh started it"). */
export function noFirstReply(command: string, ms: number, since: string, cause?: unknown): ScpipeError {
  return new ScpipeError('ERR_PROTOCOL_REFUSED', `the remote command ${escapeForTerminal(command)} sent no answer in ${ms / 1000} s after ${since} (the account's forced command may not be scp)`, { cause });
}
