// Words of commands printed for the user to paste, read back by bash.
import { execFileSync } from 'node:child_process';
import { shellWord } from '../../../lib/util/shell-word';
import { fromBytes } from '../../../lib/util/byte-text';

// The bytes bash gives the word as one argument.
const asBash = (word: string): Buffer => execFileSync('bash', ['-c', `printf %s ${word}`]);

describe('shellWord', () => {
  it.each([['plain/path'], ['a b'], ["it's"], ['$HOME'], ['caf\u00e9']])('%s reaches bash as itself', (word) => {
    expect(asBash(shellWord(word))).toEqual(Buffer.from(word));
  });

  // Pasted raw, a Latin-1 byte was U+FFFD (EF BF BD): another file.
  it('gives a path holding bytes that are not UTF-8 as those bytes', () => {
    const raw = Buffer.from("/tmp/kh\xe9 it's\\ \xff", 'latin1');
    const word = shellWord(fromBytes(raw));
    expect(word).toBe("$'/tmp/kh\\xe9 it\\'s\\\\ \\xff'");
    expect(asBash(word)).toEqual(raw);
  });

  // Single quotes would keep the terminal's escape (`\x1b`) as letters: the shell reads back another path.
  it.each([['a\x1b[2Jb'], ['line\nbreak'], ['r\u202eev it\'s'], ['c1\u009bx']])('%j reaches bash as itself, printable on a terminal', (word) => {
    const quoted = shellWord(word);
    expect(quoted).toMatch(/^[\x20-\x7e]+$/);
    expect(asBash(quoted)).toEqual(Buffer.from(word));
  });
});
