// A word of a command printed for the user to paste into a shell: a path
// with a space, `$` or `'` must reach the command as the one path it is.
// A path holding bytes that is not UTF-8 (util/byte-text.ts) goes in
// $'...' with those bytes as \xNN (bash, zsh, ksh): pasted raw, its bytes
// would be U+FFFD, another path.
import { hasMarks } from './byte-text';

/** `word` as a POSIX shell reads it back: bare when safe, else in single quotes. */
export function shellWord(word: string): string {
  if (hasMarks(word)) return dollarQuoted(word);
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'"'"'`)}'`;
}

function dollarQuoted(word: string): string {
  let out = '';
  for (const ch of word) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xdc80 && cp <= 0xdcff) out += `\\x${(cp - 0xdc00).toString(16)}`;
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (ch === '\\' || ch === "'") out += `\\${ch}`;
    else out += ch;
  }
  return `$'${out}'`;
}
