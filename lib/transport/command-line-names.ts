// A host or user name given on the command line reaches the shell through
// %h, %n and %r in ProxyCommand and Match exec: as ssh (OpenSSH 9.6,
// CVE-2023-51385), shell metacharacters in them are refused before any
// config is read. Names from the config files are the user's own and pass.
import { ScpipeError } from '../errors';
import { escapeForTerminal } from '../util/escape';

// ssh.c valid_hostname(): no leading '-', no quote, $ \ ; & < > | ( ) { }, space or control character.
function validHostname(name: string): boolean {
  return !name.startsWith('-') && !/['`"$\\;&<>|(){}\s\x00-\x1f\x7f]/.test(name);
}

// ssh.c valid_ruser(): no leading '-', no quote, ; & < > | ( ) { } or control
// character, no ' -' (an option after a space), no '\' at the end.
function validRemoteUser(name: string): boolean {
  return !name.startsWith('-') && !/['`";&<>|(){}\x00-\x1f\x7f]/.test(name) && !/\s-/.test(name) && !name.endsWith('\\');
}

/** Throws ERR_USAGE, in ssh's words, for a command-line host or user name the shell could misread. */
export function checkCommandLineNames(host: string, user: string | undefined): void {
  if (!validHostname(host)) throw new ScpipeError('ERR_USAGE', `hostname contains invalid characters: "${escapeForTerminal(host)}"`);
  if (user !== undefined && !validRemoteUser(user)) throw new ScpipeError('ERR_USAGE', `remote username contains invalid characters: "${escapeForTerminal(user)}"`);
}
