import { execFileSync } from 'node:child_process';
import { quoteRemotePath } from '../../../lib/protocol/quote';
import { buildScpCommand } from '../../../lib/protocol/command';
import { NASTY_PATHS } from '../../helpers/nasty-paths';
import { wordexpAll } from '../../helpers/wordexp';

// How a POSIX shell splits the string.
function shWords(cmdline: string): string[] {
  const out = execFileSync('/bin/sh', ['-c', `for w in ${cmdline}; do printf '%s\\0' "$w"; done`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

const NASTY = NASTY_PATHS;

// Every command the tests give wordexp, asked in one python3 run (one per
// command cost half a second of CPU each).
const HOME_WORD = quoteRemotePath('~/a b', 'posix');
const RSSH_COMMAND = buildScpCommand({ role: 'sink', path: "it's $x;|", preserve: true });
const asked = [...NASTY.filter((p) => !p.includes('\n')).map((p) => quoteRemotePath(p, 'posix')), HOME_WORD, RSSH_COMMAND];
let answers: Map<string, string[] | null>;
beforeAll(() => {
  const words = wordexpAll(asked);
  answers = new Map(asked.map((command, i) => [command, words[i]!]));
});

/** The words wordexp made of `command`; throws where it refused it. */
function wordexpWords(command: string): string[] {
  const words = answers.get(command);
  if (!words) throw new Error(words === null ? `wordexp refused ${command}` : `${command} was not asked of wordexp`);
  return words;
}

describe('quoteRemotePath posix', () => {
  it.each(NASTY)('keeps %j one literal word for sh and for wordexp', (path) => {
    const q = quoteRemotePath(path, 'posix');
    expect(shWords(q)).toEqual([path]);
    if (!path.includes('\n')) expect(wordexpWords(q)).toEqual([path]);
  });

  it('quotes like libssh2 around quotes and bangs', () => {
    expect(quoteRemotePath("doesn't", 'posix')).toBe("'doesn'\\''t'");
    expect(quoteRemotePath('a!b', 'posix')).toBe("'a'\\!'b'");
    expect(quoteRemotePath('', 'posix')).toBe("''");
  });

  it('leaves a leading ~ or ~user unquoted so the remote expands it', () => {
    expect(quoteRemotePath('~/backups/x y', 'posix')).toBe("~/'backups/x y'");
    expect(quoteRemotePath('~backup/x', 'posix')).toBe("~backup/'x'");
    expect(wordexpWords(HOME_WORD)).toEqual([`${process.env.HOME}/a b`]);
    expect(quoteRemotePath('~', 'posix')).toBe('~');
    expect(shWords(quoteRemotePath('~/a b', 'posix'))).toEqual([`${process.env.HOME}/a b`]);
  });
});

describe('quoteRemotePath double and none', () => {
  it.each(NASTY.filter((p) => !p.includes('\n')))('double keeps %j one word for sh', (path) => {
    expect(shWords(quoteRemotePath(path, 'double'))).toEqual([path]);
  });

  it('none passes the path through for remote globbing', () => {
    expect(quoteRemotePath('*.txt', 'none')).toBe('*.txt');
  });
});

describe('buildScpCommand (docs/protocol.md §6)', () => {
  it('uses separate flags in OpenSSH order', () => {
    expect(buildScpCommand({ role: 'sink', path: 'x', verbose: true, recursive: true, preserve: true, targetIsDirectory: true })).toBe(
      "scp -v -r -p -d -t 'x'",
    );
    expect(buildScpCommand({ role: 'source', path: 'x' })).toBe("scp -f 'x'");
  });

  it('adds -- only before a path that starts with -', () => {
    expect(buildScpCommand({ role: 'sink', path: '-dash' })).toBe("scp -t -- '-dash'");
    expect(buildScpCommand({ role: 'sink', path: 'a-b' })).toBe("scp -t 'a-b'");
  });

  it('honours --scp-path and --quote', () => {
    expect(buildScpCommand({ role: 'sink', path: 'a b', scpPath: '/opt/bin/scp', quote: 'none' })).toBe('/opt/bin/scp -t a b');
    expect(buildScpCommand({ role: 'sink', path: 'a b', quote: 'double' })).toBe('scp -t "a b"');
  });

  it('is accepted word for word by wordexp (rssh)', () => {
    expect(wordexpWords(RSSH_COMMAND)).toEqual(['scp', '-p', '-t', "it's $x;|"]);
  });
});
