import { namesScp, parseScpCommand, type ScpCommand } from '../../../lib/server/command-line';
import { splitWords } from '../../../lib/server/words';
import { buildScpCommand, type ScpCommandOptions } from '../../../lib/protocol/command';
import type { QuoteMode } from '../../../lib/protocol/quote';
import { NASTY_PATHS } from '../../helpers/nasty-paths';
import { wordexpAll as wordexpAllIn } from '../../helpers/wordexp';

// A fixed HOME so that wordexp's `~` is predictable.
const HOME = '/home/scpipe-test';

const wordexpAll = (commands: string[]): (string[] | null)[] => wordexpAllIn(commands, HOME);

const DEFAULTS = { ok: true, verbose: false, recursive: false, preserve: false, targetIsDirectory: false } as const;
const sink = (path: string, more: Partial<ScpCommand> = {}): ScpCommand => ({ ...DEFAULTS, role: 'sink', path, ...more }) as ScpCommand;
const source = (path: string, more: Partial<ScpCommand> = {}): ScpCommand => ({ ...DEFAULTS, role: 'source', path, ...more }) as ScpCommand;

const ACCEPTED: [string, ScpCommand][] = [
  // OpenSSH's scp -O, observed (docs/protocol.md §6)
  ['scp -t dir', sink('dir')],
  ['scp -r -p -d -t tgt', sink('tgt', { recursive: true, preserve: true, targetIsDirectory: true })],
  ['scp -v -f /x/a.txt', source('/x/a.txt', { verbose: true })],
  ['scp -r -f /x/a.txt', source('/x/a.txt', { recursive: true })],
  ['scp -t -- -dash', sink('-dash')],
  // libssh2
  ['scp -pt x', sink('x', { preserve: true })],
  ['scp -pf x', source('x', { preserve: true })],
  // program spelled as a path; quoting; blanks
  ['/usr/bin/scp -f x', source('x')],
  ['/usr/local/bin/scp -t .', sink('.')],
  ["scp -t 'a b'", sink('a b')],
  ['scp -t a\\ b', sink('a b')],
  ['scp\t-t\t\tx  ', sink('x')],
  ['scp -t "a\\$b\\`c\\"d\\\\e\\f"', sink('a$b`c"d\\e\\f')],
  ['scp -t "a\\\nb"', sink('ab')],
  ['scp -t a\\\nb', sink('ab')],
  ["scp -t 'new\nline'", sink('new\nline')],
  ["scp -t '$HOME `id` $(id) *?[ ;|&<>(){}'", sink('$HOME `id` $(id) *?[ ;|&<>(){}')],
  ['scp -t "*?[ ;|&<>(){} #~"', sink('*?[ ;|&<>(){} #~')],
  ["scp -t 'it'\\''s'", sink("it's")],
  ['scp -t \\*', sink('*')],
  ['scp -t x]', sink('x]')],
  ['scp -t a~b', sink('a~b')],
  ['scp -t a#b', sink('a#b')],
  ['scp -t a=~/x', sink('a=~/x')],
  ['scp -t \\~/x', sink('~/x')],
  ['scp -t "~/x"', sink('~/x')],
  ["scp -t ''", sink('')],
  ['scp -t a\rb', sink('a\rb')],
  // `~` is the home, and the home is the root
  ['scp -t ~', sink('/')],
  ['scp -t ~/', sink('/')],
  ['scp -f ~/x', source('/x')],
  ["scp -f ~/'x y'", source('/x y')],
  ['scp -f ~/a~b', source('/a~b')],
  ["scp '-t' x", sink('x')],
  ['scp -t -t x', sink('x')],
];

const REFUSED: [string, string][] = [
  ['', 'empty command'],
  ['  \t ', 'empty command'],
  ['ls', 'command not allowed: ls'],
  ['sh -c x', 'command not allowed: sh'],
  ['rsync --server', 'command not allowed: rsync'],
  ['scpx -t x', 'command not allowed: scpx'],
  ['bin/scp -t x', 'command not allowed: bin/scp'],
  ['/usr/bin/scp2 -t x', 'command not allowed: /usr/bin/scp2'],
  ['scp', 'one of -f or -t is required'],
  ['scp x', 'one of -f or -t is required'],
  ['scp x /a:b', 'one of -f or -t is required'],
  // What OpenSSH's `scp -R a:tree b:x` runs on a: told how to make that copy instead.
  ['scp tree 127.0.0.2:x', 'remote-to-remote copies (scp -R) are not run here: copy through your own host with scp -3'],
  ['scp -v -r -p tree backup@vault:x', 'remote-to-remote copies (scp -R) are not run here: copy through your own host with scp -3'],
  ['scp tree scp://vault/x', 'remote-to-remote copies (scp -R) are not run here: copy through your own host with scp -3'],
  ['scp -qt x', 'option not allowed: -qt'],
  ['scp -rp -t x', 'option not allowed: -rp'],
  ['scp -T -f x', 'option not allowed: -T'],
  ['scp -S /bin/sh -f x', 'option not allowed: -S'],
  ['scp -o ProxyCommand=x -f y', 'option not allowed: -o'],
  ['scp -t x -S', 'option not allowed: -S'],
  ['scp -t -', 'option not allowed: -'],
  ["scp -t '-x'", 'option not allowed: -x'],
  // Raw: the \1 line carries it as sent, stderr and the log escape it (session.ts).
  ['scp -\x1bx\u202e -t x', 'option not allowed: -\x1bx\u202e'],
  ['scp -- -t x', 'one of -f or -t is required'],
  ['scp -f -t x', '-f and -t cannot be combined'],
  ['scp -pf -pt x', '-f and -t cannot be combined'],
  ['scp -f a b', 'exactly one path is allowed'],
  ['scp -t', 'exactly one path is allowed'],
  ["scp -t '' x", 'exactly one path is allowed'],
  ['scp -t x] a~b! a=~/x a#b', 'exactly one path is allowed'],
  // getopt stops at the first operand: a later allowed option is a second path
  ['scp -t x -r', 'exactly one path is allowed'],
  ['scp -t x -- y', 'exactly one path is allowed'],
  ['scp -t -- x -S', 'exactly one path is allowed'],
  ['scp -f x; rm -rf /', 'bad characters in arguments'],
  ['scp -f x | y', 'bad characters in arguments'],
  ['scp -f x && y', 'bad characters in arguments'],
  ['scp -f x > y', 'bad characters in arguments'],
  ['scp -f {a,b}', 'bad characters in arguments'],
  ['scp -f x\nrm y', 'bad characters in arguments'],
  ['scp -f x\0y', 'bad characters in arguments'],
  ["scp -f 'x\0y'", 'bad characters in arguments'],
  ['scp -f $(id)', 'command substitution is not allowed'],
  ['scp -f "$(id)"', 'command substitution is not allowed'],
  ['scp -f `id`', 'command substitution is not allowed'],
  ['scp -f "`id`"', 'command substitution is not allowed'],
  ['scp -f $((1))', 'command substitution is not allowed'],
  ['scp -f $HOME', 'variables are not expanded'],
  ['scp -f "$HOME"', 'variables are not expanded'],
  ['scp -f ${HOME}', 'variables are not expanded'],
  ['scp -f a$', 'variables are not expanded'],
  ['scp -f *.txt', 'wildcards are not expanded'],
  ['scp -f a?', 'wildcards are not expanded'],
  ['scp -f a[1]', 'wildcards are not expanded'],
  ["scp -f 'x", 'unbalanced quotes or trailing backslash'],
  ['scp -f "x', 'unbalanced quotes or trailing backslash'],
  ['scp -f "x\\"', 'unbalanced quotes or trailing backslash'],
  ['scp -f x\\', 'unbalanced quotes or trailing backslash'],
  ['scp -f ~root/x', 'only a leading ~ or ~/ is expanded'],
  ['scp -f ~root', 'only a leading ~ or ~/ is expanded'],
  ['scp -f ~:x', 'only a leading ~ or ~/ is expanded'],
  ['scp -f ~\\/x', 'only a leading ~ or ~/ is expanded'],
  ["scp -f ''~/x", 'empty quotes must be a word of their own'],
  ["scp -f ''x", 'empty quotes must be a word of their own'],
  ['scp -f ""\\!x', 'empty quotes must be a word of their own'],
  ["scp -f ''''", 'empty quotes must be a word of their own'],
  ['~/scp -f x', 'only a leading ~ or ~/ is expanded'],
  ['/x=~/scp -f x', 'only a leading ~ or ~/ is expanded'],
  ['scp -f #x', 'an unquoted # is not allowed at the start of a word'],
  // not scp at all: refused as such, not for its words
  ['ls\x1b[31m', 'command not allowed: ls\x1b[31m'],
  ['cat *.txt', 'command not allowed: cat'],
  ['sh -c "$(id)"', 'command not allowed: sh'],
  ['$(id)', 'command not allowed: $(id)'],
  ["'ls' ~root", 'command not allowed: ls'],
  // might be scp once expanded or unquoted: the words' reason stands
  ['$HOME/scp -f x', 'variables are not expanded'],
  ["'/my dir/scp' -f *.txt", 'wildcards are not expanded'],
];

describe('parseScpCommand: accepted commands', () => {
  it.each(ACCEPTED)('%j', (command, expected) => {
    expect(parseScpCommand(command)).toEqual(expected);
  });
});

describe('parseScpCommand: refused commands', () => {
  it.each(REFUSED)('%j', (command, reason) => {
    expect(parseScpCommand(command)).toEqual({ ok: false, reason });
  });
});

it('tells a refused command that starts with scp from another', () => {
  for (const c of ['scp -f *.txt', '  /usr/bin/scp -qt x', 'scp']) expect([c, namesScp(c)]).toEqual([c, true]);
  for (const c of ['ls /', 'scpx -f a', '"scp" -f a', '', 'sh -c scp']) expect([c, namesScp(c)]).toEqual([c, false]);
});

// Paths our own client must get through intact (as in quote.test.ts).
const NASTY = [
  ...NASTY_PATHS,
  "!'!",
  '#hash',
  '--',
  '-t',
  '.',
  '',
  '/abs/p a',
  '~',
  '~/',
  '~/x y',
  "~/it's",
  '~/-dash',
  'a~b',
];

// What the parsed path should be: the root is the home.
function expectedPath(path: string): string {
  if (path === '~') return '/';
  return path.startsWith('~/') ? path.slice(1) : path;
}

// quote.ts's double mode writes a leading `!` as `""\!"…`: a shell reads one
// word, glibc's wordexp (rssh) two ('' and the rest). We refuse that form.
const doubleLeadingBang = (quote: QuoteMode, path: string): boolean => quote === 'double' && path.startsWith('!');

const CLIENT_COMMANDS: [ScpCommandOptions, string][] = [];
for (const quote of ['posix', 'double'] as QuoteMode[]) {
  for (const path of NASTY.filter((p) => !doubleLeadingBang(quote, p))) {
    const opts: ScpCommandOptions[] = [
      { role: 'sink', path, quote },
      { role: 'source', path, quote, recursive: true, preserve: true },
      { role: 'sink', path, quote, verbose: true, recursive: true, preserve: true, targetIsDirectory: true, scpPath: '/usr/bin/scp' },
    ];
    for (const o of opts) CLIENT_COMMANDS.push([o, buildScpCommand(o)]);
  }
}

describe('parseScpCommand: what our client sends (buildScpCommand)', () => {
  it.each(CLIENT_COMMANDS)('%j → %j', (o, command) => {
    expect(parseScpCommand(command)).toEqual({
      ok: true,
      role: o.role,
      verbose: o.verbose ?? false,
      recursive: o.recursive ?? false,
      preserve: o.preserve ?? false,
      targetIsDirectory: o.targetIsDirectory ?? false,
      path: expectedPath(o.path),
    });
  });

  it('refuses double mode\'s `""\\!` (a path starting with !), which rssh would split in two', () => {
    const command = buildScpCommand({ role: 'sink', path: '!x', quote: 'double' });
    expect(command).toBe('scp -t ""\\!"x"');
    expect(wordexpAll([command])).toEqual([['scp', '-t', '', '!x']]);
    expect(parseScpCommand(command)).toEqual({ ok: false, reason: 'empty quotes must be a word of their own' });
  });

  it('refuses ~user, which only a real home could give meaning to', () => {
    expect(parseScpCommand(buildScpCommand({ role: 'sink', path: '~backup/x' }))).toEqual({
      ok: false,
      reason: 'only a leading ~ or ~/ is expanded',
    });
  });
});

describe('splitWords agrees with glibc wordexp(WRDE_NOCMD)', () => {
  // Every command of the tables above; NUL cannot reach wordexp (a C string).
  const all = [...ACCEPTED.map(([c]) => c), ...REFUSED.map(([c]) => c), ...CLIENT_COMMANDS.map(([, c]) => c)].filter(
    (c) => !c.includes('\0'),
  );
  const theirs = wordexpAll(all);

  it('yields the same words on every input it accepts (with ~ as wordexp expands it)', () => {
    let compared = 0;
    all.forEach((c, i) => {
      const r = splitWords(c);
      if (!r.ok) return;
      compared++;
      const ours = r.words.map((w) => (w.tildeHome ? HOME + w.text : w.text));
      expect({ c, words: theirs[i] }).toEqual({ c, words: ours });
    });
    expect(compared).toBeGreaterThan(CLIENT_COMMANDS.length + ACCEPTED.length);
  });

  it('refuses everything wordexp refuses, and the tables exercise those refusals', () => {
    const refusedByWordexp = all.filter((_, i) => theirs[i] === null);
    expect(refusedByWordexp.filter((c) => splitWords(c).ok)).toEqual([]);
    expect(refusedByWordexp.length).toBeGreaterThan(10);
  });
});

describe('splitWords against wordexp on random commands', () => {
  // A small deterministic PRNG (mulberry32), so a failure reproduces.
  function rng(seed: number): () => number {
    return () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const ALPHABET = ['a', 'b', ' ', ' ', '\t', "'", "'", '"', '"', '\\', '\\', '~', '/', '$', '`', '*', '[', '#', '!', '=', ':', '\n', ';', '{', '-', 'é', '('];

  it('agrees on every one it accepts, and accepts none that wordexp refuses', () => {
    const next = rng(20240611);
    const commands: string[] = [];
    for (let n = 0; n < 4000; n++) {
      let s = 'scp -t ';
      const len = 1 + Math.floor(next() * 10);
      for (let k = 0; k < len; k++) s += ALPHABET[Math.floor(next() * ALPHABET.length)];
      commands.push(s);
    }
    const theirs = wordexpAll(commands);
    let accepted = 0;
    commands.forEach((c, i) => {
      const r = splitWords(c);
      if (!r.ok) return;
      accepted++;
      const ours = r.words.map((w) => (w.tildeHome ? HOME + w.text : w.text));
      expect({ c, words: theirs[i] }).toEqual({ c, words: ours });
    });
    expect(accepted).toBeGreaterThan(300); // the alphabet leaves enough accepted inputs to mean something
  });
});
