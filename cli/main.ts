#!/usr/bin/env node
// The scpipe command line: parses argv with yargs, runs one command, and
// exits with the status that cli/exit-status.ts chose.
import yargs, { type Argv, type CommandModule, type FallbackCompletionFunction } from 'yargs';
import { ScpipeError, escapeForTerminal, isScpipeError } from '../lib';
import { createContext, type CommandContext } from './context';
import { INTERNAL_ERROR_STATUS, exitStatusFor } from './exit-status';
import { say, sayFailure } from './report';
import { skipHelpCache } from './yargs-limits';
import { COMPLETION_HELP, asksCompletionHelp, completionShell, hostCompletions } from './completion';
import { versionLine } from './versions';
import { closeHungUpStdioAtExit } from './hung-up-stdio';
import { argumentsAsBytes } from './argv-utf8';
import { booleanOptionsOf, refuseBooleanValues } from './boolean-values';
import { withTypoHint } from './typo-hint';
import { choicesLine } from './choices-message';

// Each command has its own argument type; yargs takes a list of any of them.
type CommandBuilder = (ctx: CommandContext) => CommandModule<object, any>;

// Each command's module, with all it imports (ssh2, the spool, the server),
// is loaded only when that command runs: most of a small transfer's wall time
// is start-up, and compiling the other commands' code is a few ms each.
const COMMANDS: Record<string, () => Promise<CommandBuilder>> = {
  put: async () => (await import('./commands/put')).putCommand,
  get: async () => (await import('./commands/get')).getCommand,
  cp: async () => (await import('./commands/cp')).cpCommand,
  serve: async () => (await import('./commands/serve')).serveCommand,
};

// The commands to give yargs: the one that argv names, or all of them (for
// the top-level help, or to report a missing or unknown command). The first
// word that is not an option is the command: the top-level options (-h,
// --help, --version) take no value.
function commandsFor(argv: readonly string[]): string[] {
  const named = firstWord(argv);
  return named !== undefined && Object.hasOwn(COMMANDS, named) ? [named] : Object.keys(COMMANDS);
}

function firstWord(argv: readonly string[]): string | undefined {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).find((arg) => !arg.startsWith('-'));
}

// What a typo hint may name: the options of the command being parsed (yargs
// adds them to the parser as it runs the command), and the commands.
function typoHint(msg: string, argv: readonly string[], parser: Argv): string {
  const { key, alias } = (parser as unknown as { getOptions(): { key: Record<string, unknown>; alias: Record<string, string[]> } }).getOptions();
  const options = [...Object.keys(key), ...Object.values(alias).flat()];
  const commands = [...Object.keys(COMMANDS), 'completion'];
  const named = firstWord(argv);
  return withTypoHint(msg, argv, options, commands, named !== undefined && commands.includes(named));
}

/**
 * The parser for `argv`, with the commands it may run. Options are parsed
 * anywhere before `--` (`get host:f --output x`); after `--` nothing is
 * (populate--: put's input command, or operands that start with a dash);
 * an array option takes one value per occurrence (greedy-arrays off), so
 * `-o A=1 host:f` leaves the target alone. Operands stay as typed: a name
 * such as `1e3` or `0x10` (after `--` yargs made them 1000 and 16) is a name.
 */
export async function createParser(argv: readonly string[], ctx: CommandContext, onArgs: (args: Record<string, unknown>) => void = () => {}): Promise<Argv> {
  const commands = await Promise.all(commandsFor(argv).map((name) => COMMANDS[name]!()));
  const parser: Argv = yargs([...argv])
    .scriptName('scpipe')
    .usage('$0 <command> [options]\n\nMove byte streams over SCP or SFTP, to and from scp-only and SFTP-only hosts.')
    .parserConfiguration({ 'boolean-negation': false, 'populate--': true, 'greedy-arrays': false, 'parse-positional-numbers': false })
    .middleware((args) => {
      // The command's options: yargs adds them to this same instance as it runs the command.
      refuseBooleanValues(argv, booleanOptionsOf(parser));
      onArgs(args);
    })
    .command(commands.map((command) => command(ctx)))
    .demandCommand(1, 'name a command: put, get, cp, serve, completion')
    .strict()
    .help('h')
    .alias('h', 'help')
    // Read only when asked: two package.json files, off the path of every transfer.
    .version('version', 'show the versions of scpipe, ssh2 and node', argv.includes('--version') ? versionLine() : '')
    .completion('completion', 'print the bash or zsh completion script (scpipe completion >> ~/.bashrc)', ((current, _argv, defaults, done) => {
      defaults((_err, list) => done([...(list ?? []), ...hostCompletions(current)]));
    }) as FallbackCompletionFunction)
    .wrap(Math.min(100, process.stdout.columns ?? 80))
    .fail((msg, err) => {
      // A message: yargs' own usage error (err, if any, is its parser's). Else a handler's error.
      throw msg ? new ScpipeError('ERR_USAGE', typoHint(withDashes(withTreeHint(withoutCamelCase(msg), argv), argv), argv, parser)) : err;
    });
  skipHelpCache(parser);
  return parser;
}

// yargs names a misspelt `--part-szie` twice, as given and camelCased
// ("Unknown arguments: part-szie, partSzie"): the user typed one.
function withoutCamelCase(msg: string): string {
  const listed = /^Unknown arguments?: (.*)$/.exec(msg);
  if (!listed) return msg;
  const names = listed[1]!.split(', ');
  const camel = (name: string): string => name.replace(/-+([^-])/g, (_, c: string) => c.toUpperCase());
  const kept = names.filter((n) => !names.some((other) => other !== n && other.includes('-') && camel(other) === n));
  return `Unknown argument${kept.length > 1 ? 's' : ''}: ${kept.join(', ')}`;
}

// yargs names options without their dashes ("Unknown argument: x" for -x,
// "Not enough arguments following: o"): an option is named as typed, so it
// is not taken for an operand (GNU: "invalid option -- 'x'").
function withDashes(msg: string, argv: readonly string[]): string {
  const end = argv.indexOf('--');
  const options = (end === -1 ? argv : argv.slice(0, end)).filter((w) => w.startsWith('-'));
  const dashed = (name: string): string => {
    if (options.some((w) => w === `--${name}` || w.startsWith(`--${name}=`))) return `--${name}`;
    if (name.length === 1 && options.some((w) => /^-[^-]/.test(w) && w.includes(name))) return `-${name}`;
    return name;
  };
  const unknown = /^(Unknown arguments?: )(.*?)( \(.*)?$/s.exec(msg);
  // Names as typed may hold control characters (`--$'\e[2J'`): escaped, as all typed text shown back.
  if (unknown) return `${unknown[1]}${unknown[2]!.split(', ').map((name) => escapeForTerminal(dashed(name))).join(', ')}${unknown[3] ?? ''}`;
  const following = /^(Not enough arguments following: )(.*)$/.exec(msg);
  if (following) return `${following[1]}${following[2]!.length === 1 ? '-' : '--'}${following[2]}`;
  return choicesLine(msg);
}

// scp's -r on put or get, which move one stream: point at the command that copies trees.
function withTreeHint(msg: string, argv: readonly string[]): string {
  const command = commandsFor(argv);
  if (command.length !== 1 || !['put', 'get'].includes(command[0]!)) return msg;
  if (!/^Unknown arguments?: (.*, )?r(, |$)/.test(msg)) return msg;
  return `${msg} (${command[0]} moves one stream; to copy a directory tree as scp -r does, use scpipe cp -r)`;
}

// `scpipe -- put h:f`: yargs ran no command and failed nothing, so nothing was done and the exit was 0.
function refuseCommandAfterDashes(argv: readonly string[]): void {
  const end = argv.indexOf('--');
  if (end < 0 || firstWord(argv) !== undefined || argv.slice(0, end).some((w) => ['-h', '--help', '--version'].includes(w))) return;
  throw new ScpipeError('ERR_USAGE', 'name a command before --: put, get, cp, serve, completion');
}

/** Runs scpipe with `argv` (without node and script); resolves the exit status. */
export async function main(argv: string[]): Promise<number> {
  let verbose = false;
  const ctx = createContext(() => verbose);
  try {
    const args = argumentsAsBytes(argv);
    // yargs picks the script by $SHELL, read when the parser is made.
    const shell = completionShell(args);
    if (shell) process.env.SHELL = `/bin/${shell}`;
    const parser = await createParser(args, ctx, (parsed) => {
      verbose = Boolean(parsed.v);
    });
    refuseCommandAfterDashes(args);
    if (asksCompletionHelp(args)) {
      process.stdout.write(COMPLETION_HELP);
      return 0;
    }
    await parser.parseAsync();
  } catch (err) {
    sayFailure(err);
    if (isScpipeError(err, 'ERR_USAGE')) say("try 'scpipe --help' or 'scpipe <command> --help'");
    return exitStatusFor(err);
  }
  return ctx.status;
}

/** Runs scpipe with `argv` and exits the process with its status. */
export function runAndExit(argv: string[]): void {
  // After SIGHUP stderr may be a terminal that is gone (EIO): what cannot be said is dropped, not a crash.
  process.stderr.on('error', () => undefined);
  closeHungUpStdioAtExit();
  // A pipe is written asynchronously by Node: what a slow reader (a log
  // collector) had not taken was queued without bound and lost at exit,
  // the final error with it. Blocking writes wait for the reader, as ssh's do.
  (process.stderr as unknown as { _handle?: { setBlocking?(on: boolean): void } })._handle?.setBlocking?.(true);
  exitWith(main(argv));
}

/** Exits with `run`'s status once it settles, or with 1 if nothing is left that could settle it. */
export function exitWith(run: Promise<number>): void {
  // The event loop ran dry with the run unsettled (a request on a channel that
  // ended unseen): Node would exit 0, which a nightly job takes for success.
  const unsettled = (): void => {
    say('internal error: the run stopped with nothing left to wait for, unfinished; nothing it did may be trusted');
    process.exit(INTERNAL_ERROR_STATUS);
  };
  process.once('beforeExit', unsettled);
  run.then(
    (status) => {
      process.off('beforeExit', unsettled);
      // Flush stdout/stderr, then exit even if a stray handle (stdin) is open.
      process.stdout.write('', () => process.exit(status));
    },
    (err: unknown) => {
      say(`internal error: ${(err as Error)?.stack ?? String(err)}`, true);
      process.exit(INTERNAL_ERROR_STATUS);
    },
  );
}

if (require.main === module) runAndExit(process.argv.slice(2));
