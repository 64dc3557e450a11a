import { checkIncomingName, NameMatcher, remoteBasename, requireRemoteBasename } from '../../../lib/protocol/names';
import { braceExpand, fnmatch } from '../../../lib/protocol/glob';

describe('checkIncomingName (docs/protocol.md §5.1)', () => {
  it.each([
    ['', 'empty'],
    ['.', 'not a file name'],
    ['..', 'not a file name'],
    ['../x', 'contains "/"'],
    ['/etc/passwd', 'contains "/"'],
    ['a/b', 'contains "/"'],
    ['dir/', 'contains "/"'],
    ['a\0b', 'contains a NUL byte'],
  ])('refuses %j (%s)', (name, why) => {
    expect(() => checkIncomingName(name)).toThrow(
      expect.objectContaining({ code: 'ERR_UNSAFE_NAME', message: `refusing unsafe name from the remote: "${name.replace('\0', '\\x00')}" (${why})` }),
    );
  });

  it('escapes the name in the message', () => {
    expect(() => checkIncomingName('\x1b[2J/x\r')).toThrow('refusing unsafe name from the remote: "\\x1b[2J/x\\r" (contains "/")');
  });

  it.each(['a.txt', '.bashrc', '...', 'crlf\r', ' lead', 'trail ', 'sp ace', 'ünï', 'back\\slash', 'c:x', 'nl\\^Jname'])(
    'accepts %j on POSIX',
    (name) => {
      expect(() => checkIncomingName(name, 'linux')).not.toThrow();
    },
  );

  it.each([
    ['back\\slash', 'contains "\\"'],
    ['C:x', 'contains ":"'],
    ['file:stream', 'contains ":"'],
    ['tab\t', 'contains a control character'],
    ['.. ', 'ends with a dot or a space'],
    ['x.', 'ends with a dot or a space'],
  ])('refuses %j on Windows (%s)', (name, why) => {
    expect(() => checkIncomingName(name, 'win32')).toThrow(expect.objectContaining({ code: 'ERR_UNSAFE_NAME', message: expect.stringContaining(`(${why})`) }));
  });
});

describe('remoteBasename', () => {
  it.each([
    ['dir/file.txt', 'file.txt'],
    ['file.txt', 'file.txt'],
    ['/abs/dir/sub/', 'sub'],
    ['a//', 'a'],
    ['dir/sp ace.txt', 'sp ace.txt'],
    ['~/x', 'x'],
    ['~user/x/', 'x'],
    ['dir/file[1]', 'file[1]'],
    ['~a+b', '~a+b'], // not a tilde prefix: quote.ts quotes it, so it is a file's name
  ])('%j → %j', (path, base) => {
    expect(remoteBasename(path)).toBe(base);
  });

  // `.`/`..` cannot be sent (OpenSSH: "only supported via the sftp protocol"),
  // and a bare `~` is expanded by the remote shell to a name we cannot know.
  it.each(['', '/', '///', '.', '..', 'dir/.', 'dir/..', 'dir/../', '~', '~/', '~user'])('%j → undefined', (path) => {
    expect(remoteBasename(path)).toBeUndefined();
  });
});

describe('requireRemoteBasename (the one "does not name" check of get, download and NameMatcher)', () => {
  it('gives the basename', () => {
    expect(requireRemoteBasename('dir/f.txt/', 'a file')).toBe('f.txt');
  });
  it('refuses a path without one, escaped, saying what was wanted', () => {
    expect(() => requireRemoteBasename('x\x1b[2J/..', 'a file')).toThrow(
      expect.objectContaining({ code: 'ERR_USAGE', message: '"x\\x1b[2J/.." does not name a file' }),
    );
  });
});

describe('NameMatcher for a quoted path (glob: false)', () => {
  it('accepts exactly the basename', () => {
    const m = new NameMatcher('dir/a.txt', { glob: false });
    expect(m.matches('a.txt')).toBe(true);
    expect(m.matches('.bashrc')).toBe(false);
    expect(m.matches('a.txt\r')).toBe(false);
    expect(m.describe()).toBe('"dir/a.txt"');
  });

  it('takes glob characters literally: the remote shell saw them quoted', () => {
    expect(new NameMatcher('file[1]', { glob: false }).matches('file[1]')).toBe(true);
    expect(new NameMatcher('file[1]', { glob: false }).matches('file1')).toBe(false);
    expect(new NameMatcher('*.txt', { glob: false }).matches('a.txt')).toBe(false);
    expect(new NameMatcher('{a,b}.txt', { glob: false }).matches('a.txt')).toBe(false);
  });

  it('refuses a path without a usable basename as a usage error', () => {
    expect(() => new NameMatcher('host/dir/..', { glob: false })).toThrow(
      expect.objectContaining({ code: 'ERR_USAGE', message: '"host/dir/.." does not name a file or directory to copy' }),
    );
  });
});

describe('NameMatcher for a raw path (glob: true), as OpenSSH checks it (docs/protocol.md §5.2)', () => {
  const accepts = (request: string, name: string): boolean => new NameMatcher(request, { glob: true }).matches(name);

  it('gives the answers observed from OpenSSH', () => {
    expect(accepts('*.txt', 'a.txt')).toBe(true);
    expect(accepts('*.txt', 'b.dat')).toBe(false);
    expect(accepts('{a,b}.txt', 'b.txt')).toBe(true);
    expect(accepts('{a,b}.txt', 'c.txt')).toBe(false);
    expect(accepts('a.txt', '.bashrc')).toBe(false);
    expect(accepts('dir/file[1]', 'file[1]')).toBe(true); // the strcmp arm (9.2, a4821a592)
    expect(accepts('dir/file[1]', 'file1')).toBe(true); // and fnmatch
  });

  it('is stricter than OpenSSH for a leading dot: only a dot in the pattern matches it, as in a shell', () => {
    // OpenSSH's fnmatch flags 0 let `*` match `.bashrc`; no shell expands `*` so.
    expect(accepts('*', '.bashrc')).toBe(false);
    expect(accepts('?bashrc', '.bashrc')).toBe(false);
    expect(accepts('[.]bashrc', '.bashrc')).toBe(false);
    expect(accepts('dir/*', '.ssh')).toBe(false);
    expect(accepts('.*', '.bashrc')).toBe(true);
    expect(accepts('\\.b*', '.bashrc')).toBe(true);
    expect(accepts('{.bashrc,x}', '.bashrc')).toBe(true);
    expect(accepts('.bashrc', '.bashrc')).toBe(true);
    expect(accepts('*', 'a.b')).toBe(true); // a dot that does not lead
  });

  it('matches the last component of each alternative', () => {
    const m = new NameMatcher('src/{x,y/z}.txt', { glob: true });
    expect(m.patterns).toEqual(['x.txt', 'z.txt']);
    expect(m.matches('z.txt')).toBe(true);
    expect(m.matches('y')).toBe(false);
    expect(new NameMatcher('dir/', { glob: true }).patterns).toEqual(['dir']); // trailing slashes stripped
  });

  it('refuses an unbalanced pattern: "bad brace pattern"', () => {
    for (const bad of ['{a,b', 'a}b', '{a,[b}', 'x[ab']) {
      expect(() => new NameMatcher(bad, { glob: true })).toThrow(
        expect.objectContaining({ code: 'ERR_USAGE', message: `bad brace pattern "${bad}"` }),
      );
    }
  });
});

describe('braceExpand (scp.c brace_expand)', () => {
  it.each([
    ['plain', ['plain']],
    ['{a,b}.txt', ['a.txt', 'b.txt']],
    ['x{a,{b,c}}y', ['xay', 'xby', 'xcy']],
    ['{a,b}{1,2}', ['a1', 'a2', 'b1', 'b2']],
    ['{a}', ['a']], // csh-style, as OpenSSH
    ['find{}', ['find{}']], // `{}` kept "for find(1)"
    ['{a,{}}', ['a', '{}']],
    ['[{]{a,b}', ['[{]a', '[{]b']], // a brace inside brackets is a character
    ['\\{a,b\\}', ['\\{a,b\\}']], // escaped braces do not expand
    ['{a\\,b,c}', ['a\\,b', 'c']], // an escaped comma does not split (scp.c: `a\`, `b`, `c`)
    ['{a,}', ['a', '']], // scp.c: just `a,`
    ['{,a}', ['', 'a']],
    ['d/{x,y}/f', ['d/x/f', 'd/y/f']],
  ])('%j → %j', (pattern, expanded) => {
    expect(braceExpand(pattern)).toEqual(expanded);
  });

  it('refuses an expansion that would explode', () => {
    expect(() => braceExpand('{a,b}'.repeat(14))).toThrow(expect.objectContaining({ code: 'ERR_USAGE', message: expect.stringMatching(/too many names/) }));
  });
});

describe('fnmatch: the same answers as glibc', () => {
  // fnmatch(3) of glibc 2.36 in C.UTF-8, flags 0, for every pattern x name.
  const NAMES = ["a.txt", "b.dat", ".txt", "", "a", "ab", "abc", "abd", "x", ".bashrc", "bashrc", "1abc", "]", "[", "-", "!", "b", "c", "d", "bx", "dx", "a/b", "*", "\\", "file[1]", "file1", "ü", "üx", "é", "e", "A", "Z", " ", "{}", "xa", "x{a}", "aXbYb", "abe", "ace", "afe", "[]", "[x", ":", "."];
  const GLIBC: [string, string[] | "all" | "all but empty"][] = [
    ["*.txt", ["a.txt", ".txt"]],
    ["*", "all"],
    ["?", ["a", "x", "]", "[", "-", "!", "b", "c", "d", "*", "\\", "ü", "é", "e", "A", "Z", " ", ":", "."]],
    ["a?c", ["abc"]],
    ["[abc]", ["a", "b", "c"]],
    ["[!abc]", ["x", "]", "[", "-", "!", "d", "*", "\\", "ü", "é", "e", "A", "Z", " ", ":", "."]],
    ["[^abc]", ["x", "]", "[", "-", "!", "d", "*", "\\", "ü", "é", "e", "A", "Z", " ", ":", "."]],
    ["[]]", ["]"]],
    ["[]a]", ["a", "]"]],
    ["[!]]", ["a", "x", "[", "-", "!", "b", "c", "d", "*", "\\", "ü", "é", "e", "A", "Z", " ", ":", "."]],
    ["[a-]", ["a", "-"]],
    ["[-a]", ["a", "-"]],
    ["[a-c]x", ["bx"]],
    ["[c-a]", []],
    ["\\*", ["*"]],
    ["a\\", []],
    ["\\", []],
    ["[", ["["]],
    ["[ab", []],
    ["a[", []],
    ["[[:digit:]]*", ["1abc"]],
    ["[[:alpha:]]", ["a", "x", "b", "c", "d", "ü", "é", "e", "A", "Z"]],
    ["[[:bogus:]]", []],
    ["[[:space:]]", [" "]],
    ["[[:upper:]]", ["A", "Z"]],
    ["[[:punct:]]", ["]", "[", "-", "!", "*", "\\", ":", "."]],
    ["[\\]]", ["]"]],
    ["[\\!a]", ["a", "!"]],
    ["[a\\-c]", ["a", "-", "c"]],
    ["file[1]", ["file1"]],
    ["file\\[1\\]", ["file[1]"]],
    ["*a*b*", ["ab", "abc", "abd", "1abc", "a/b", "aXbYb", "abe"]],
    ["a*", ["a.txt", "a", "ab", "abc", "abd", "a/b", "aXbYb", "abe", "ace", "afe"]],
    ["*/*", ["a/b"]],
    [".*", [".txt", ".bashrc", "."]],
    ["?bashrc", [".bashrc"]],
    ["[.]bashrc", [".bashrc"]],
    ["ü?", ["üx"]],
    ["[ü]", ["ü"]],
    ["[a-ü]", ["a", "x", "b", "c", "d", "ü", "é", "e"]],
    ["**", "all"],
    ["*?", "all but empty"],
    ["a[b-d]e", ["abe", "ace"]],
    ["[[]", ["["]],
    ["[[]]", ["[]"]],
    ["[x[:digit:]]", ["x"]],
    ["[!a-z]*", [".txt", ".bashrc", "1abc", "]", "[", "-", "!", "*", "\\", "ü", "üx", "é", "A", "Z", " ", "{}", "[]", "[x", ":", "."]],
    ["[a-z", []],
    ["*[", ["["]],
    ["\\a", ["a"]],
    ["[\\a]", ["a"]],
    ["x{a}", ["x{a}"]],
    ["{}", ["{}"]],
    ["[[:alpha:][:digit:]]", ["a", "x", "b", "c", "d", "ü", "é", "e", "A", "Z"]],
    ["[:alpha:]", ["a", ":"]],
    ["[a-[:digit:]]", []],
  ];

  it.each(GLIBC)('%j', (pattern, expected) => {
    const want = expected === 'all' ? NAMES : expected === 'all but empty' ? NAMES.filter((n) => n !== '') : expected;
    expect(NAMES.filter((name) => fnmatch(pattern, name))).toEqual(want);
  });

  // Where we differ on purpose: `?` is one character (code point) as in the
  // remote shell; glibc lets `?*?` match one two-byte character. `[=a=]` and
  // `[.a.]` are not supported.
  it('counts `?` in characters', () => {
    expect(fnmatch('?', 'ü')).toBe(true);
    expect(fnmatch('??', 'ü')).toBe(false);
  });
});
