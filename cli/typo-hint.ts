// A misspelt option or command named with the nearest one that exists
// (`--part-szie`: did you mean --part-size?), as git and GNU tools do: the
// bare "Unknown argument" left a first-time user reading the whole --help.
import { escapeForTerminal } from '../lib';

// Edits (insert, delete, change, swap two neighbours) from a to b: optimal string alignment.
// Not a dependency: leven and fastest-levenshtein count a swap (`gte`) as two edits; yargs' recommendCommands()
// names commands only (up to 3 edits, the first of ties) in a message of its own, and its distance is not exported.
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The one candidate within a typo of `word` (one edit, two from 8 characters), or undefined. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  const allowed = word.length >= 8 ? 2 : 1;
  const scored = candidates.map((c) => ({ c, d: distance(word.toLowerCase(), c.toLowerCase()) })).filter((s) => s.d <= allowed);
  const best = Math.min(...scored.map((s) => s.d));
  const at = [...new Set(scored.filter((s) => s.d === best).map((s) => s.c))];
  return at.length === 1 ? at[0] : undefined;
}

// The one option that `word` begins (`--out` for --output): yargs takes no
// abbreviations, and the option one edit away (`--part`: --port) is seldom the one meant.
function completing(word: string, candidates: readonly string[]): string | undefined {
  const at = [...new Set(candidates.filter((c) => word.length >= 2 && c.startsWith(word) && c !== word))];
  return at.length === 1 ? at[0] : undefined;
}

// The long options as typed before `--` (name only, without dashes or =VALUE).
function longOptions(argv: readonly string[]): string[] {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).filter((w) => /^--[^-]/.test(w)).map((w) => w.slice(2).split('=')[0]!);
}

/**
 * `msg` (yargs' usage error, options already dashed) with a hint: the option
 * meant by one misspelt long option, the command meant by an unknown first
 * word, or the option misspelt where a required one is missing.
 */
export function withTypoHint(msg: string, argv: readonly string[], options: readonly string[], commands: readonly string[], commandNamed: boolean): string {
  const longNames = options.filter((o) => o.length > 1 && !/[A-Z]/.test(o)); // yargs' camelCase twins are no names to teach
  const unknown = /^Unknown arguments?: (.*)$/s.exec(msg);
  if (unknown && !commandNamed) {
    const word = argv.find((w) => !w.startsWith('-'));
    if (word !== undefined && unknown[1]!.split(', ').includes(escapeForTerminal(word))) return unknownCommand(word, commands);
  }
  if (unknown && /^--[^,]*$/.test(unknown[1]!)) {
    const typed = unknown[1]!.slice(2).split('=')[0]!;
    const meant = completing(typed, longNames) ?? nearest(typed, longNames);
    return meant === undefined ? msg : `${msg} (did you mean --${meant}?)`;
  }
  const missing = /^Missing required arguments?: ([\w-]+)$/.exec(msg);
  if (missing) {
    const typed = longOptions(argv).find((o) => !options.includes(o) && nearest(o, [missing[1]!]) !== undefined);
    const hint = typed === undefined ? '' : ` (--${escapeForTerminal(typed)} is not an option: did you mean --${missing[1]}?)`;
    return `Missing required argument: --${missing[1]}${hint}`;
  }
  return msg;
}

function unknownCommand(word: string, commands: readonly string[]): string {
  const shown = escapeForTerminal(word);
  const list = commands.join(', ');
  // `scpipe vault:f`: a target where the command goes.
  if (word.includes(':')) return `"${shown}" is a target, not a command: name the command first (scpipe put ${shown}, scpipe get ${shown}); commands: ${list}`;
  const meant = nearest(word, commands);
  return `unknown command "${shown}"${meant === undefined ? '' : ` (did you mean ${meant}?)`}: the commands are ${list}`;
}
