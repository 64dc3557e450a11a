// Splits an exec command into words the way rssh does (docs/protocol.md §6):
// glibc wordexp(3) with WRDE_NOCMD, but WITHOUT expanding anything. Quotes and
// backslashes work as in sh; whatever wordexp would refuse, or would expand
// (variables, command substitution, globs, `~user`), is refused here, so on
// every input we accept our words are exactly wordexp's (the tests prove it
// against glibc). The one expansion we keep is a leading `~` / `~/`, marked on
// the word for the caller to map: our client leaves it unquoted on purpose
// (lib/protocol/quote.ts) so the remote shell expands it to the home.
//
// How this file works: one left-to-right scan. `inWord` says a word has
// started (a quote pair alone starts one: `''` is an empty word, as in
// wordexp); space and tab end it. `emptyStart` says the word so far is only
// an empty quote pair, after which anything but a blank is refused (glibc
// would split there, sh would not). Each special character either refuses
// the whole command or is consumed with its quoted text.

/** One word; `tildeHome`: it began with an unquoted `~` followed by `/` or its end. */
export interface Word {
  /** The unquoted text; after a tilde prefix, the rest (`''` or `/…`). */
  text: string;
  tildeHome: boolean;
}

/** The words, or why the command was refused (one line, no user text). */
export type SplitResult = { ok: true; words: Word[] } | { ok: false; reason: string };

/** Refusal reasons, rssh-like one-liners (the server adds its banner). */
const SPLIT_REASONS = {
  badChars: 'bad characters in arguments',
  cmdSub: 'command substitution is not allowed',
  variables: 'variables are not expanded',
  // We never expand, so an unquoted pattern would silently name a file called
  // `*.txt` where rssh would have globbed: refuse rather than guess.
  wildcards: 'wildcards are not expanded',
  tilde: 'only a leading ~ or ~/ is expanded',
  // wordexp keeps `#x` literal, a shell drops it as a comment: the client
  // meant one of the two and we cannot tell which.
  comment: 'an unquoted # is not allowed at the start of a word',
  unbalanced: 'unbalanced quotes or trailing backslash',
  // glibc splits `''x` into two words ('' and x), a shell gives one (x).
  emptyQuotes: 'empty quotes must be a word of their own',
} as const;

// wordexp's WRDE_BADCHAR set, outside quotes.
const BAD_CHARS = '\n|&;<>(){}';
// The characters that make wordexp call glob() on the word.
const GLOB_CHARS = '*?[';
// After `\` inside double quotes, the characters that lose their backslash.
const DQ_ESCAPABLE = '$`"\\';

/** Splits `command` like wordexp(WRDE_NOCMD) without expansion, see above. */
export function splitWords(command: string): SplitResult {
  // A C string ends at NUL: rssh would see a shorter command than we would.
  if (command.includes('\0')) return fail('badChars');
  const words: Word[] = [];
  let text = '';
  let inWord = false;
  let tildeHome = false;
  let emptyStart = false; // the word so far is only an empty quote pair
  const endWord = (): void => {
    if (inWord) words.push({ text, tildeHome });
    text = '';
    inWord = false;
    tildeHome = false;
    emptyStart = false;
  };

  let i = 0;
  while (i < command.length) {
    const ch = command[i]!;
    if (ch === ' ' || ch === '\t') {
      endWord();
      i++;
    } else if (emptyStart) {
      return fail('emptyQuotes');
    } else if (ch === "'") {
      const close = command.indexOf("'", i + 1);
      if (close < 0) return fail('unbalanced');
      text += command.slice(i + 1, close);
      emptyStart = text === '';
      inWord = true;
      i = close + 1;
    } else if (ch === '"') {
      const r = doubleQuoted(command, i + 1);
      if (typeof r === 'string') return fail(r);
      text += r.text;
      emptyStart = text === '';
      inWord = true;
      i = r.next;
    } else if (ch === '\\') {
      const next = command[i + 1];
      if (next === undefined) return fail('unbalanced'); // wordexp: WRDE_SYNTAX
      // backslash-newline is a line continuation: it adds nothing
      if (next !== '\n') {
        text += next;
        inWord = true;
      }
      i += 2;
    } else if (ch === '~') {
      const r = tilde(command, i, words.length === 0, inWord);
      if (r !== undefined) return fail(r);
      if (!inWord) tildeHome = true;
      else text += '~';
      inWord = true;
      i++;
    } else {
      const refused = unquotedSpecial(command, i, inWord);
      if (refused !== undefined) return fail(refused);
      text += ch;
      inWord = true;
      i++;
    }
  }
  endWord();
  return { ok: true, words };
}

type Reason = keyof typeof SPLIT_REASONS;

function fail(reason: Reason): SplitResult {
  return { ok: false, reason: SPLIT_REASONS[reason] };
}

// Why an unquoted character is refused, if it is.
function unquotedSpecial(command: string, i: number, inWord: boolean): Reason | undefined {
  const ch = command[i]!;
  if (BAD_CHARS.includes(ch)) return 'badChars';
  if (GLOB_CHARS.includes(ch)) return 'wildcards';
  if (ch === '`') return 'cmdSub';
  if (ch === '$') return dollar(command, i);
  if (ch === '#' && !inWord) return 'comment';
  return undefined;
}

// `$(` (and `$((`) is substitution; anything else after `$` is a parameter.
// wordexp keeps a `$` before a quote or the end literal; we refuse every `$`
// anyway, which keeps the rule short and never disagrees on accepted input.
function dollar(command: string, i: number): Reason {
  return command[i + 1] === '(' ? 'cmdSub' : 'variables';
}

// An unquoted `~` (docs/protocol.md §6): accepted as a home prefix only at the
// start of a word and before `/`, a blank or the end; literal inside a word.
// Refused in the first word (wordexp expands `~` after `=` there) and as
// `~user` (only a real home could give it meaning).
function tilde(command: string, i: number, firstWord: boolean, inWord: boolean): Reason | undefined {
  if (firstWord) return 'tilde';
  if (inWord) return undefined;
  const next = command[i + 1];
  return next === undefined || next === '/' || next === ' ' || next === '\t' ? undefined : 'tilde';
}

// The text of a double-quoted string whose opening quote is before `start`.
function doubleQuoted(command: string, start: number): { text: string; next: number } | Reason {
  let text = '';
  let i = start;
  while (i < command.length) {
    const ch = command[i]!;
    if (ch === '"') return { text, next: i + 1 };
    if (ch === '`') return 'cmdSub'; // wordexp refuses it even quoted
    if (ch === '$') return dollar(command, i);
    if (ch === '\\') {
      const next = command[i + 1];
      if (next === undefined) return 'unbalanced';
      if (next === '\n') {
        i += 2; // line continuation
        continue;
      }
      if (DQ_ESCAPABLE.includes(next)) {
        text += next;
        i += 2;
        continue;
      }
      // any other backslash is kept, and the next character read normally
    }
    text += ch;
    i++;
  }
  return 'unbalanced';
}
