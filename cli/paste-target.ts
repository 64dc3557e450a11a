// A remote target inside a command a message gives the user to paste: one
// shell word however the name is spelt (a space, `$`, `;`), then escaped for
// the terminal, so the shell reads back the path the message names.
import { escapeForTerminal, formatRemoteSpec, type RemoteSpec } from '../lib';
import { shellWord } from '../lib/internal';

/** `spec` at `path`, as a word of a command to paste (after `-P PORT`, its own words, for an scp:// port). */
export function pasteTarget(spec: RemoteSpec, path: string): string {
  const { port, ...where } = spec;
  const word = shown(shellWord(formatRemoteSpec(where, path)));
  return port === undefined ? word : `-P ${port} ${word}`;
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
