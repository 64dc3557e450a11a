// OpenSSH's name patterns for the "filename matches request" check
// (docs/protocol.md §5.2): scp.c's brace_expand() and glibc fnmatch(3) with flags
// 0, ported (picomatch and braces follow shell rules, not these, e.g. for
// `{a}`, `{}` and leading dots). Not transport/wildcard.ts: that is ssh_config's
// `*`/`?` with comma lists and `!`, without brackets, escapes or braces.
import { ScpipeError } from '../errors';
import { escapeForTerminal } from '../util/escape';

/** OpenSSH's brace_expand() (scp.c): every alternative of `{a,b}` groups. */
export function braceExpand(pattern: string): string[] {
  const done: string[] = [];
  const work = [pattern];
  while (work.length > 0) {
    const p = work.shift()!;
    const expanded = expandFirstBrace(p);
    if (expanded === undefined) {
      throw new ScpipeError('ERR_USAGE', `bad brace pattern "${escapeForTerminal(pattern)}"`);
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
