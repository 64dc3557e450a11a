// The README and docs/ against --help: an option a user finds in --help is
// explained in one of them, and an option they name in a table of options
// is one the command line takes (a renamed or removed option is caught here).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CLI } from '../../helpers/cli';

const ROOT = resolve(__dirname, '../../..');
const COMMANDS = ['put', 'get', 'cp', 'serve'];
const readme = readFileSync(resolve(ROOT, 'README.md'), 'utf8');
const docs = [readme, ...readdirSync(resolve(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => readFileSync(resolve(ROOT, 'docs', f), 'utf8'))].join('\n');

// Each entry of --help's Options: its spellings ("-P, --port" is two).
function helpOptions(command: string): string[][] {
  const help = execFileSync(process.execPath, [CLI, command, '--help'], { encoding: 'utf8' });
  const options = help.split('\nOptions:\n')[1]!.split('\n\n')[0]!;
  return [...options.matchAll(/^ {2,6}(-\S+?)(?:, (--\S+))?(?= |$)/gm)].map((m) => [m[1]!, m[2]].filter((f): f is string => f !== undefined));
}

// An option named as code: `--retries`, `-P PORT`, `--protocol auto|scp`, a row's "`-c CIPHER`, `-C`".
function namedIn(text: string, flag: string): boolean {
  const escaped = flag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`\`${escaped}(?![\\w-])[^\`]*\``).test(text);
}

describe.each(COMMANDS)('scpipe %s', (command) => {
  const entries = helpOptions(command).filter((spellings) => !spellings.some((s) => s === '--help' || s === '--version'));

  it('has every option of its --help explained in the README or docs/', () => {
    expect(entries.length).toBeGreaterThan(5);
    expect(entries.filter((spellings) => !spellings.some((s) => namedIn(docs, s))).map((s) => s.join(', '))).toEqual([]);
  });
});

describe('the README', () => {
  const taken = new Set(COMMANDS.flatMap((c) => helpOptions(c).flat()));

  it('names in its tables of options only options a command takes', () => {
    const rows = readme.split('\n').filter((line) => line.startsWith('| `-'));
    const named = rows.flatMap((row) => [...row.split(' | ')[0]!.matchAll(/`(--?[A-Za-z0-9][\w-]*)/g)].map((m) => m[1]!));
    expect(named.length).toBeGreaterThan(30);
    expect([...new Set(named)].filter((flag) => !taken.has(flag))).toEqual([]);
  });
});

// The defaults --help gives an option: `[default: "64M"]`, or "(default 5; 0: never)" in its text.
function helpDefaults(command: string, flag: string): string[] {
  const help = execFileSync(process.execPath, [CLI, command, '--help'], { encoding: 'utf8' });
  const options = help.split('\nOptions:\n')[1]!.split('\n\n')[0]!;
  const entry = options.split(/\n(?= {2,6}-)/).find((e) => new RegExp(`^ {2,6}(-\\S+, )?${flag}(?= |$)`).test(e));
  if (entry === undefined) return [];
  const text = entry.replace(/\s+/g, ' ');
  return [...text.matchAll(/\[default: "?([^"\]]+)"?\]|\(default:? ([^\s;,)]+)/g)].map((m) => m[1] ?? m[2]!).filter((d) => d !== 'false');
}

describe("the README's tables of options", () => {
  // A row for one long option ("| `--retries N` | ... (default 5; ...") with the command whose section it is in.
  const rows = readme.split(/^### `scpipe /m).slice(1).flatMap((section) => {
    const command = section.split(' ')[0]!;
    return section.split('\n').flatMap((line) => {
      const cells = line.split(' | ');
      const flags = [...(cells[0] ?? '').matchAll(/`(--[a-z][\w-]*)/g)].map((m) => m[1]!);
      const stated = /default:? (?:`([^`]+)`|(\d[\w.]*))/.exec(cells[1] ?? ''); // a value, not prose
      return line.startsWith('| `--') && flags.length === 1 && !cells[0]!.includes(' over ') && stated !== null ? [{ command, flag: flags[0]!, stated: stated[1] ?? stated[2]! }] : [];
    });
  });

  it('give the defaults --help gives', () => {
    const checked = rows.filter((r) => helpDefaults(r.command, r.flag).length > 0);
    expect(checked.length).toBeGreaterThanOrEqual(4);
    expect(checked.filter((r) => !helpDefaults(r.command, r.flag).includes(r.stated)).map((r) => `${r.command} ${r.flag}: README ${r.stated}, --help ${helpDefaults(r.command, r.flag).join(' or ')}`)).toEqual([]);
  });
});
