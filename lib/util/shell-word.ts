// A word of a command printed for the user to paste into a shell: a path
// with a space, `$` or `'` must reach the command as the one path it is.
// A path holding bytes that is not UTF-8 (util/byte-text.ts), or a character
// the terminal must not get raw (a control, a bidi mark), goes in $'...' with
// those bytes as \xNN (bash, zsh, ksh; POSIX.1-2024): inside single quotes the
// terminal's escape would be pasted as backslashes, another path.
import { hasMarks } from './byte-text';
import { escapeForTerminal } from './escape';

/** `word` as a POSIX shell reads it back: bare when safe, else quoted; printable on a terminal as it is. */
export function shellWord(word: string): string {
  if (hasMarks(word) || [...word].some(unsafe)) return dollarQuoted(word);
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'"'"'`)}'`;
}

// What escapeForTerminal() would not print as it is (a backslash aside, which the quotes keep).
const unsafe = (ch: string): boolean => ch !== '\\' && escapeForTerminal(ch) !== ch;

function dollarQuoted(word: string): string {
  let out = '';
  for (const ch of word) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xdc80 && cp <= 0xdcff) out += `\\x${(cp - 0xdc00).toString(16)}`;
    else if (unsafe(ch)) out += [...Buffer.from(ch, 'utf8')].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');
    else if (ch === '\\' || ch === "'") out += `\\${ch}`;
    else out += ch;
  }
  return `$'${out}'`;
}
