// A word of a command printed for the user to paste into a shell: a path
// with a space, `$` or `'` must reach the command as the one path it is.

/** `word` as a POSIX shell reads it back: bare when safe, else in single quotes. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'"'"'`)}'`;
}
