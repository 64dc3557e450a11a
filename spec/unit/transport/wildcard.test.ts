import { hasWildcard, matchPattern, matchPatternList, wildcardRegExp } from '../../../lib/transport/wildcard';
import { cpuMs } from '../../helpers/async';

describe('matchPattern (OpenSSH match_pattern)', () => {
  it.each([
    ['host.example.com', '*.example.com', true],
    ['example.com', '*.example.com', false],
    ['HOST.example.com', 'host.EXAMPLE.com', true],
    ['host1', 'host?', true],
    ['host', 'host?', false],
    ['host12', 'host?', false],
    ['a.b.c', '*.*', true],
    ['abc', '*', true],
    ['', '*', true],
    ['', '', true],
    ['a', '', false],
    ['', '?', false],
    ['[h]:2222', '[h]:*', true], // brackets are literal (no fnmatch sets)
    ['h', '[h]', false],
    ['a\\b', 'a\\b', true], // a backslash is literal (no escapes)
    ['ab', 'a\\b', false],
    ['aXbXc', 'a*b*c', true],
    ['abxbyd', 'a*b?d', true], // backtracks past the first b
    ['abxbyx', 'a*b?d', false],
    ['a,b', 'a,b', true], // a comma is literal in one pattern
    ['!a', '!a', true], // so is a leading ! (only lists negate)
  ])('%j ~ %j is %s', (text, pattern, want) => {
    expect(matchPattern(text, pattern)).toBe(want);
  });

  it('folds case by default, and not with ignoreCase: false (algorithm names)', () => {
    expect(matchPattern('AES128-ctr', 'aes*')).toBe(true);
    expect(matchPattern('AES128-ctr', 'aes*', { ignoreCase: false })).toBe(false);
    expect(matchPattern('aes128-ctr', 'aes*', { ignoreCase: false })).toBe(true);
  });

  it('stays fast on patterns that make a backtracking RegExp explode', () => {
    let matched: boolean | undefined;
    // CPU time: a loaded machine stretches wall time, and a backtracking match takes far more than this either way.
    expect(cpuMs(() => (matched = matchPattern('a'.repeat(5000), `${'*a'.repeat(30)}b`)))).toBeLessThan(2000);
    expect(matched).toBe(false);
  });
});

describe('matchPatternList (OpenSSH match_pattern_list)', () => {
  it.each([
    ['a.example.com', '*.example.com,!b.example.com', 1],
    ['b.example.com', '*.example.com,!b.example.com', -1],
    ['b.example.com', '!b.example.com,*.example.com', -1], // negation wins wherever it stands
    ['c.other', '*.example.com', 0],
    ['c.other', '!*.example.com', 0], // only negations that do not match: no match
    ['x', 'a,,x', 1], // empty entries are skipped
    ['x', '', 0],
  ] as const)('%j in %j is %d', (text, list, want) => {
    expect(matchPatternList(text, list)).toBe(want);
  });

  it('takes the patterns already split, each one whole (ssh_config Host words)', () => {
    expect(matchPatternList('web1', ['web*', '!web2'])).toBe(1);
    expect(matchPatternList('web2', ['web*', '!web2'])).toBe(-1);
    expect(matchPatternList('a', ['a,b'])).toBe(0);
    expect(matchPatternList('a,b', ['a,b'])).toBe(1);
  });
});

describe('wildcardRegExp (for ssh2 algorithm lists)', () => {
  it('answers test(), match() and search() with matchPattern', () => {
    const re = wildcardRegExp('hmac-sha1*', { ignoreCase: false });
    expect(re.test('hmac-sha1-etm@openssh.com')).toBe(true);
    expect(re.test('xhmac-sha1')).toBe(false);
    expect(re.test('HMAC-SHA1')).toBe(false);
    expect('hmac-sha1'.match(re)?.[0]).toBe('hmac-sha1');
    expect('umac-64'.search(re)).toBe(-1);
    expect(Object.prototype.toString.call(re)).toBe('[object RegExp]'); // what ssh2 checks
  });

  it('keeps dots literal and spells the pattern in its source', () => {
    const re = wildcardRegExp('umac-?4@openssh.com');
    expect(re.test('umac-64@openssh.com')).toBe(true);
    expect(re.test('umac-64@openssh_com')).toBe(false);
    expect(re.source).toBe('^umac-.4@openssh\\.com$');
  });

  it('tells a pattern from a name', () => {
    expect(hasWildcard('aes*')).toBe(true);
    expect(hasWildcard('umac-?4')).toBe(true);
    expect(hasWildcard('aes128-ctr')).toBe(false);
  });
});
