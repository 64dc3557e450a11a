// A remote target inside a command a message gives the user to paste: one
// shell word however the name is spelt (a space, `$`, `;`), then escaped for
// the terminal, so the shell reads back the path the message names.
import { escapeForTerminal, formatRemoteSpec, type RemoteSpec } from '../lib';
import { shellWord } from '../lib/internal';

/** `spec` at `path`, as a word of a command to paste. */
export function pasteTarget(spec: RemoteSpec, path: string): string {
  return escapeForTerminal(shellWord(formatRemoteSpec(spec, path)));
}

/** A local word (a file name in `cat NAME.[0-9]*`), as a word of a command to paste. */
export function pasteWord(word: string): string {
  return escapeForTerminal(shellWord(word));
}
