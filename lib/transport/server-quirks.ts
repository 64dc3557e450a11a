// Servers that need a client to hold back. Dropbear before 2024.86 closes a
// session channel whose command has not started when another command of the
// connection exits at that moment (its bug #321, fixed by commit 71521d1b),
// and then dies on an assertion if the command starts after all: parts sent
// over several channels of one connection lost the connection at random.
// One channel per connection at a time avoids it (ssh runs one per process).
import type { Client } from 'ssh2';
import { peerText } from '../util/escape';

/** Why `client`'s server should get one channel per connection at a time, or undefined. */
export function oneChannelEach(client: Client): string | undefined {
  const version = (client as unknown as { _remoteVer?: string })._remoteVer ?? '';
  const m = /^dropbear_(\d{4})\.(\d+)/.exec(version);
  if (!m || Number(m[1]) * 1000 + Number(m[2]) >= 2024086) return undefined;
  return `the server is dropbear_${m[1]}.${m[2]} (before 2024.86 it may close a channel opened as another command ends)`;
}

// ProFTPD's mod_sftp ORs the options of every `scp` command of a connection
// into one set it never clears (scp.c `scp_opts`), and takes a command as a
// download once any before it had `-f`: an `scp -t` after the `scp -f` that
// looks for an existing set was run as a download ("No such file or
// directory"), so every parts upload to it failed. A command therefore runs
// only on connections that ran commands with the very same options.

/** Why `client`'s server should run each set of scp options on connections of their own, or undefined. */
export function scpOptionsStick(client: Client): string | undefined {
  const version = (client as unknown as { _remoteVer?: string })._remoteVer ?? '';
  if (!/^mod_sftp\b/.test(version)) return undefined;
  // The server's own text, said with -v: escaped (ssh2 takes any byte but a space in a version).
  return `the server is ${peerText(version, 100)} (ProFTPD), whose scp keeps the options of earlier scp commands on a connection`;
}

/**
 * The options of an scp command line as protocol/command.ts builds it
 * (`scp -r -p -t 'path'` → `-r -p -t`): the program word, then single-letter
 * flags up to `--` or the path.
 */
export function scpOptionsOf(command: string): string {
  const m = /^(?:'[^']*'|"(?:[^"\\]|\\.)*"|\S+)((?:\s+-[a-z])*)/.exec(command);
  return (m?.[1] ?? '').trim().split(/\s+/).filter(Boolean).join(' ');
}

/**
 * `command` with its path as mod_sftp reads a word: it splits an exec
 * request at white space itself (no shell), reading only double quotes
 * (`\` escapes within), and takes off single quotes only around a whole
 * word, so quote.ts's `'it'\''s a file'` was several words and refused
 * ("Unable to exec"). A path in any other form is left as it is.
 */
export function modSftpCommand(command: string): string {
  const split = quotedPathOf(command);
  if (!split) return command;
  const path = split.path.replace(/'([^']*)'|\\(['!])/g, (_all, quoted: string | undefined, escaped: string) => quoted ?? escaped);
  return `${split.head}"${path.replace(/["\\]/g, '\\$&')}"`;
}

/**
 * An scp command line as protocol/command.ts builds it, split into its head
 * (the program and its flags, up to and with `--`) and its path as quote.ts's
 * posix quoting wrote it; undefined for a path quoted otherwise.
 */
export function quotedPathOf(command: string): { head: string; path: string } | undefined {
  const m = /^(\S+(?:\s+-[a-z])*(?:\s+--)?\s+)((?:'[^']*'|\\['!])+)$/.exec(command);
  return m ? { head: m[1]!, path: m[2]! } : undefined;
}

// mod_sftp's scp keeps one download's state per connection, not per channel
// (scp.c: `need_confirm` and the like are static): two `scp -f` at once on a
// connection hang, four reset it. So each download has a connection to itself.

/** Why `client`'s server should get one `scp -f` per connection at a time, or undefined. */
export function oneDownloadEach(client: Client): string | undefined {
  return scpOptionsStick(client) && 'the server is mod_sftp (ProFTPD), whose scp serves one download per connection at a time';
}
