// OpenSSH's wildcard patterns (match.c), the one matcher for ssh_config
// (Host, Match), known_hosts host fields and the algorithm lists: `*` any
// run, `?` one character, everything else literal; a list is comma-separated
// and a `!pattern` that matches overrides every other entry. (The remote
// glob of `scp -f`, protocol/glob.ts, is glibc fnmatch: brackets, `\`
// escapes and braces, which these patterns do not have.)
import { lowerAscii } from '../util/ascii-case';

/** How matchPattern() compares. */
export interface WildcardOptions {
  /** Compare without case (default true: host names; false for algorithm names, as match_filter_*). */
  ignoreCase?: boolean;
}

// Matches `text` against one pattern (match.c match_pattern). Iterative, with
// single-star backtracking: linear-ish, and no RegExp is built from the pattern.
export function matchPattern(text: string, pattern: string, options: WildcardOptions = {}): boolean {
  const fold = options.ignoreCase ?? true;
  const t = fold ? lowerAscii(text) : text;
  const p = fold ? lowerAscii(pattern) : pattern;
  let ti = 0;
  let pi = 0;
  let starP = -1;
  let starT = 0;
  while (ti < t.length) {
    if (pi < p.length && (p[pi] === '?' || (p[pi] !== '*' && p[pi] === t[ti]))) {
      ti++;
      pi++;
    } else if (pi < p.length && p[pi] === '*') {
      starP = pi++;
      starT = ti;
    } else if (starP !== -1) {
      pi = starP + 1;
      ti = ++starT;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

// Matches `text` against a pattern list: a comma-separated string, or the
// patterns already split (ssh_config's `Host a !b`). 1 = matched, -1 = a
// negated pattern matched (it overrides), 0 = no match (match_pattern_list).
export function matchPatternList(text: string, list: string | readonly string[], options: WildcardOptions = {}): 1 | 0 | -1 {
  let result: 1 | 0 = 0;
  for (const raw of typeof list === 'string' ? list.split(',') : list) {
    if (raw === '') continue;
    const negated = raw.startsWith('!');
    if (matchPattern(text, negated ? raw.slice(1) : raw, options)) {
      if (negated) return -1;
      result = 1;
    }
  }
  return result;
}

/** True when `name` has a wildcard (`*` or `?`). */
export function hasWildcard(name: string): boolean {
  return /[*?]/.test(name);
}

// A RegExp that answers with matchPattern(), for APIs that take a RegExp
// (ssh2's algorithm lists): exec() is what test(), match() and search() call,
// so the pattern matches as it does everywhere else (a compiled `.*` would
// also backtrack). The source spells the pattern, for messages and equality.
export function wildcardRegExp(pattern: string, options: WildcardOptions = {}): RegExp {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  const re = new RegExp(`^${source}$`, (options.ignoreCase ?? true) ? 'i' : '');
  re.exec = (text: string): RegExpExecArray | null => {
    if (!matchPattern(text, pattern, options)) return null;
    return Object.assign([text], { index: 0, input: text, groups: undefined }) as RegExpExecArray;
  };
  return re;
}
