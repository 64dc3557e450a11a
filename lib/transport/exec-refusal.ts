// ssh's "exec request failed on channel N" (OpenSSH clientloop.c,
// client_status_confirm) under --transport openssh: ssh logged in, and the
// server would not run the command. ssh exits 255 then, as for a failed
// connect, which was reported as one (exit 255). ProFTPD's mod_sftp splits a
// command at white space itself and refuses a posix-quoted name with a space
// or a quote in it (the ssh2 transport sends such a name its way:
// server-quirks.ts modSftpCommand; ssh does not say the server's version here).
import { ScpipeError } from '../errors';
import { WOULD_NOT_RUN } from './ssh2-exec';
import { quotedPathOf } from './server-quirks';

/** True for ssh's line when the server refused the exec request. */
export function isExecRefusal(line: string | undefined): boolean {
  return line !== undefined && /exec request failed on channel \d+/.test(line);
}

// The posix-quoted path of an scp command, when it holds what a server that
// splits at white space itself takes apart: white space, or a quote or `!`
// escaped outside the quotes (mod_sftp takes a quote pair off a whole word only).
function splitByOwnWords(command: string): boolean {
  const path = quotedPathOf(command)?.path;
  return path !== undefined && /\s|\\['!]/.test(path);
}

/**
 * The error for ssh's exec refusal (`said`: its line, escaped) of `command`:
 * exit 1, not a connect failure; a name mod_sftp would split says --quote
 * double, any other refusal reads as the ssh2 transport's (a server that runs
 * no command at all: protocol-choice.ts then says to use SFTP).
 */
export function execRefused(command: string, said: string, host: string, remoteStderr: string | undefined): ScpipeError {
  const message = splitByOwnWords(command)
    ? `the server refused the command (${said}): a server that splits a command at white space itself, as ProFTPD's mod_sftp does, ` +
      'takes a quoted name with a space or a quote in it for several words: try --quote double'
    : `${WOULD_NOT_RUN} (${said})`;
  return new ScpipeError('ERR_REMOTE_EXIT', message, { host, remoteStderr });
}
