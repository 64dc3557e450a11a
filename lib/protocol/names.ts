// Checks on the names a remote source sends in C and D records, before they
// touch the file system (PROTOCOL.md §5):
// - checkIncomingName(): OpenSSH's CVE-2018-20685 check (§5.1), plus NUL, and
//   on Windows the characters that would change which file is opened.
// - NameMatcher: OpenSSH's CVE-2019-6111 check (§5.2), the top-level name
//   must be what was requested. Run against the UNQUOTED path the user meant.
//   Its glob mode ports scp.c's brace_expand() and uses glibc fnmatch(3)
//   semantics with flags 0 (written here: picomatch and braces follow shell
//   rules, not these, e.g. for `{a}`, `{}` and leading dots).
import { ScpipeError } from '../errors';
import { escapeForTerminal } from '../util/escape';

/**
 * Throws ERR_UNSAFE_NAME for a name that must not be used as a file name:
 * empty, `.`, `..`, containing `/` or NUL (everywhere), and on win32 also
 * `\`, `:` (drive letters, alternate streams), control characters and a
 * trailing dot or space (which Windows strips, so `.. ` would be `..`).
 * A `\` is an ordinary character on POSIX (OpenSSH accepts it), so it is only
 * refused on Windows. A trailing `\r` is kept: OpenSSH writes such files too.
 */
export function checkIncomingName(name: string, platform: string = process.platform): void {
  const why =
    name === '' ? 'empty'
    : name === '.' || name === '..' ? 'not a file name'
    : name.includes('/') ? 'contains "/"'
    : name.includes('\0') ? 'contains a NUL byte'
    : platform === 'win32' ? windowsProblem(name)
    : undefined;
  if (why) {
    throw new ScpipeError('ERR_UNSAFE_NAME', `refusing unsafe name from the remote: "${escapeForTerminal(name)}" (${why})`);
  }
}

function windowsProblem(name: string): string | undefined {
  if (name.includes('\\')) return 'contains "\\"';
  if (name.includes(':')) return 'contains ":"';
  if (/[\x01-\x1f]/.test(name)) return 'contains a control character';
  if (/[. ]$/.test(name)) return 'ends with a dot or a space';
  return undefined;
}

/** How a NameMatcher reads the requested path. */
export interface NameMatcherOptions {
  /**
   * true: the path went to the remote shell unquoted, which may expand globs
   * and braces, so match like OpenSSH (brace expansion, then fnmatch).
   * false: the path was quoted, so the name must be its basename exactly.
   */
  glob: boolean;
}

/** Decides whether a top-level name from the source answers the request. */
export class NameMatcher {
  /** The patterns (glob) or the one exact name that a top-level entry must match. */
  readonly patterns: readonly string[];

  /** Throws ERR_USAGE for a literal path without a usable basename, or an invalid brace pattern. */
  constructor(private readonly requestedPath: string, private readonly options: NameMatcherOptions) {
    if (options.glob) {
      this.patterns = braceExpand(requestedPath).map(lastComponent);
      return;
    }
    const base = NameMatcher.basenameOf(requestedPath);
    if (base === undefined) {
      throw new ScpipeError('ERR_USAGE', `"${escapeForTerminal(requestedPath)}" does not name a file or directory to copy`);
    }
    this.patterns = [base];
  }

  /**
   * The name a source sends for a literal path: its last component after
   * trailing slashes are stripped (PROTOCOL.md §5.1). Undefined when that is
   * empty, `.` or `..` (OpenSSH's source cannot send those), or a bare `~` or
   * `~user`, which quote.ts leaves for the remote shell to expand.
   */
  static basenameOf(path: string): string | undefined {
    const base = lastComponent(path);
    if (base === '' || base === '.' || base === '..' || /^~[A-Za-z0-9._-]*$/.test(path.replace(/\/+$/, ''))) {
      return undefined;
    }
    return base;
  }

  /** True when `name` answers the request: `strcmp(pattern, name) == 0 || fnmatch(pattern, name, 0) == 0`. */
  matches(name: string): boolean {
    if (!this.options.glob) return name === this.patterns[0];
    return this.patterns.some((p) => p === name || fnmatch(p, name));
  }

  /** The request, for error messages (escaped). */
  describe(): string {
    return `"${escapeForTerminal(this.requestedPath)}"`;
  }
}

// The part after the last `/`, trailing slashes stripped first. (OpenSSH's
// brace_expand() does not strip them, so there `dir/` matches nothing; that
// only matters with -r, where OpenSSH checks no names at all.)
function lastComponent(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** OpenSSH's brace_expand() (scp.c): every alternative of `{a,b}` groups. */
export function braceExpand(pattern: string): string[] {
  const done: string[] = [];
  const work = [pattern];
  while (work.length > 0) {
    const p = work.shift()!;
    const expanded = expandFirstBrace(p);
    if (expanded === undefined) {
      throw new ScpipeError('ERR_USAGE', `invalid brace pattern "${escapeForTerminal(pattern)}"`);
    }
    if (expanded.length === 0) done.push(p);
    else work.push(...expanded);
    if (done.length + work.length > MAX_PATTERNS) {
      throw new ScpipeError('ERR_USAGE', `brace pattern "${escapeForTerminal(pattern)}" expands to too many names`);
    }
  }
  return done;
}

const MAX_PATTERNS = 10000;

// find_brace(): the first top-level `{`...`}` pair, skipping `\x`, `[...]` and a
// literal `{}` ("for find(1)"). Undefined when braces or brackets are unbalanced.
function findBrace(p: string): { start: number; end: number } | undefined {
  let start = -1;
  let end = -1;
  let inBracket = false;
  let level = 0;
  for (let i = 0; end < 0 && i < p.length; i++) {
    const c = p[i];
    if (c === '\\') {
      if (i + 1 < p.length) i++;
    } else if (c === '[') inBracket = true;
    else if (c === ']') inBracket = false;
    else if (c === '{' && !inBracket) {
      if (p[i + 1] === '}') i++;
      else {
        if (start === -1) start = i;
        level++;
      }
    } else if (c === '}' && !inBracket) {
      if (start < 0) return undefined;
      if (--level <= 0) end = i;
    }
  }
  if (end < 0 && (start >= 0 || inBracket)) return undefined;
  return { start, end };
}

// brace_expand_one(): the patterns made by the first brace group, [] when
// there is none, undefined when the pattern is invalid. Two fixes, where
// scp.c's loop disagrees with the csh-style expansion it means to do:
// `{a\,b,c}` gives `a,b` and `c` (scp.c splits at the escaped comma too), and
// `{a,}` gives `a` and `` (scp.c: only `a,`).
function expandFirstBrace(p: string): string[] | undefined {
  const brace = findBrace(p);
  if (!brace) return undefined;
  const { start, end } = brace;
  if (start === -1) return [];
  const out: string[] = [];
  const emit = (from: number, to: number): number => out.push(p.slice(0, start) + p.slice(from, to) + p.slice(end + 1));
  let inBracket = false;
  let level = 0;
  let selStart = start + 1;
  for (let i = selStart; i < end; i++) {
    const c = p[i];
    if (c === '\\') {
      if (i < end - 1) i++;
    } else if (c === '[') inBracket = true;
    else if (c === ']') inBracket = false;
    else if (c === '{' && !inBracket) level++;
    else if (c === '}' && !inBracket) level--;
    else if (c === ',' && !inBracket && level === 0) {
      emit(selStart, i);
      selStart = i + 1;
    }
  }
  if (inBracket || level > 0) return undefined;
  emit(selStart, end);
  return out;
}

/**
 * glibc fnmatch(pattern, name, 0): `*` and `?` match any characters, `/` and a
 * leading dot included; `[...]` with `!`/`^`, ranges and `[:class:]`; `\x`
 * is x. Works on code points (a UTF-8 locale). `[=x=]`/`[.x.]` are not supported.
 */
export function fnmatch(pattern: string, name: string): boolean {
  const tokens = tokenize(pattern);
  const s = [...name];
  let t = 0;
  let i = 0;
  let star = -1; // token index after the last `*`, and where it resumes in s
  let resume = 0;
  while (i < s.length) {
    const tok = tokens[t];
    if (tok === '*') {
      star = ++t;
      resume = i;
    } else if (tok !== undefined && matchOne(tok, s[i]!)) {
      t++;
      i++;
    } else if (star !== -1) {
      t = star;
      i = ++resume;
    } else return false;
  }
  while (tokens[t] === '*') t++;
  return t === tokens.length;
}

// A literal character, `?`, `*`, a bracket set, or null (never matches).
type Token = { lit: string } | '?' | '*' | { set: (ch: string) => boolean } | null;

const CLASSES: Record<string, RegExp> = {
  alnum: /[\p{L}\p{Nd}]/u,
  alpha: /\p{L}/u,
  blank: /[ \t]/,
  cntrl: /\p{Cc}/u,
  digit: /[0-9]/,
  graph: /[^\p{C}\p{Z}]/u,
  lower: /\p{Ll}/u,
  print: /[^\p{C}\p{Zl}\p{Zp}]/u,
  punct: /[\p{P}\p{S}]/u,
  space: /\s/u,
  upper: /\p{Lu}/u,
  xdigit: /[0-9A-Fa-f]/,
};

function matchOne(tok: Exclude<Token, '*'>, ch: string): boolean {
  if (tok === null) return false;
  if (tok === '?') return true;
  return 'lit' in tok ? tok.lit === ch : tok.set(ch);
}

function tokenize(pattern: string): Token[] {
  const p = [...pattern];
  const out: Token[] = [];
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '*' || c === '?') out.push(c);
    else if (c === '\\') out.push(i + 1 < p.length ? { lit: p[++i]! } : null); // a trailing `\` never matches
    else if (c === '[') {
      const bracket = parseBracket(p, i + 1);
      if (bracket) {
        out.push(bracket.token);
        i = bracket.next - 1;
      } else out.push({ lit: c }); // no closing `]`: a literal `[`
    } else out.push({ lit: c });
  }
  return out;
}

// Parses a bracket expression whose body starts at p[i]; undefined if unclosed.
function parseBracket(p: string[], i: number): { token: Token; next: number } | undefined {
  const negate = p[i] === '!' || p[i] === '^';
  if (negate) i++;
  const tests: ((ch: string) => boolean)[] = [];
  let valid = true;
  for (let first = true; ; first = false) {
    if (i >= p.length) return undefined;
    if (p[i] === ']' && !first) break;
    if (p[i] === '[' && p[i + 1] === ':') {
      const close = p.indexOf(':', i + 2);
      if (close !== -1 && p[close + 1] === ']') {
        const re = CLASSES[p.slice(i + 2, close).join('')];
        if (re) tests.push((ch) => re.test(ch));
        else valid = false; // glibc: an unknown class makes the pattern fail
        i = close + 2;
        continue;
      }
    }
    const lo = charAt(p, i);
    i = lo.next;
    if (p[i] === '-' && i + 1 < p.length && p[i + 1] !== ']') {
      const hi = charAt(p, i + 1);
      i = hi.next;
      const [a, b] = [lo.ch.codePointAt(0)!, hi.ch.codePointAt(0)!];
      tests.push((ch) => ch.codePointAt(0)! >= a && ch.codePointAt(0)! <= b);
    } else tests.push((ch) => ch === lo.ch);
  }
  const token: Token = valid ? { set: (ch) => tests.some((test) => test(ch)) !== negate } : null;
  return { token, next: i + 1 };
}

// One bracket character, `\x` giving x.
function charAt(p: string[], i: number): { ch: string; next: number } {
  if (p[i] === '\\' && i + 1 < p.length) return { ch: p[i + 1]!, next: i + 2 };
  return { ch: p[i]!, next: i + 1 };
}
