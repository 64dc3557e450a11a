// A remote target inside a command a message gives the user to paste: one
// shell word however the name is spelt (a space, `$`, `;`), then escaped for
// the terminal, so the shell reads back the path the message names; with the
// options this run reached the host by (a port, a key, a config, -o), so the
// command reaches the same host.
import { escapeForTerminal, formatRemoteSpec, type QuoteMode, type RemoteSpec } from '../lib';
import { parsePort, shellWord } from '../lib/internal';
import type { SshArgs } from './ssh-options';

/** A remote target as this run reached it (pasteSpec()). */
export interface PasteSpec extends RemoteSpec {
  reach?: Reach;
}

interface Reach {
  /** -P's, when the target has no port of its own. */
  port?: number;
  /** Options scp, sftp and scpipe all take (-i, -o, -F, -J, -c, -4, -6, -S), as words. */
  shared: string[];
  /** Options only scpipe takes (--transport, --scp-path), as words. */
  own: string[];
  /** -B: never prompt (sftp's -B is a buffer size: it gets -o BatchMode=yes). */
  batch: boolean;
  quote: QuoteMode;
}

/** `spec` with the options of `args` that reach its host; a hint's command carries them. */
export function pasteSpec(spec: RemoteSpec, args: Partial<SshArgs>): PasteSpec {
  const shared: string[] = [];
  for (const file of args.i ?? []) shared.push('-i', file);
  for (const option of args.o ?? []) shared.push('-o', option);
  if (args.F !== undefined) shared.push('-F', args.F);
  if (args.J !== undefined) shared.push('-J', args.J);
  if (args.c !== undefined) shared.push('-c', args.c);
  if (args['4']) shared.push('-4');
  if (args['6']) shared.push('-6');
  if (args.S !== undefined) shared.push('-S', args.S);
  const own: string[] = [];
  if (args.transport === 'openssh' && args.S === undefined) own.push('--transport', 'openssh');
  const scpPath = args['scp-path'];
  if (scpPath !== undefined && scpPath !== 'scp') own.push('--scp-path', scpPath);
  const port = args.P === undefined ? undefined : parsePort(args.P);
  return { ...spec, reach: { port, shared, own, batch: args.B === true, quote: args.quote ?? 'posix' } };
}

/** How a target is pasted: into an `scpipe` command (default) or OpenSSH's `sftp`; `quote`: scpipe's --quote for it. */
export interface PasteHow {
  program?: 'scpipe' | 'sftp';
  quote?: QuoteMode;
}

/**
 * `spec` at `path`, as words of a command to paste: `-P PORT` (an scp://
 * port, else -P's), the options that reached the host, then the target.
 */
export function pasteTarget(spec: PasteSpec, path: string, how: PasteHow = {}): string {
  const { port: own, reach, ...where } = spec;
  const port = own ?? reach?.port;
  const words: string[] = [];
  const quote = how.quote ?? reach?.quote ?? 'posix';
  if (how.program !== 'sftp' && quote !== 'posix') words.push('--quote', quote);
  if (port !== undefined) words.push('-P', String(port));
  words.push(...(reach?.shared ?? []));
  if (reach?.batch) words.push(...(how.program === 'sftp' ? ['-o', 'BatchMode=yes'] : ['-B']));
  if (how.program !== 'sftp') words.push(...(reach?.own ?? []));
  return [...words.map(commandWord), shown(shellWord(formatRemoteSpec(where, path)))].join(' ');
}

/** A local file name (in `cat NAME.[0-9]*`), as a word of a command to paste; `./` before a leading `-`, not taken for an option. */
export function pasteWord(word: string): string {
  return shown(shellWord(word.startsWith('-') ? `./${word}` : word));
}

/** A word of a command shown as run (an input command's), as the shell reads it back. */
export function commandWord(word: string): string {
  return shown(shellWord(word));
}

// A backslash stays one: inside single quotes the shell reads `\\` as two.
// Only what the terminal must not get raw is escaped (such a name cannot be pasted as shown anyway).
function shown(word: string): string {
  const escaped = escapeForTerminal(word);
  return escaped === word.replace(/\\/g, '\\\\') ? word : escaped;
}
