#!/usr/bin/env node
// The scpipe command line: parses argv with yargs, runs one command, and
// exits with the status that cli/exit-status.ts chose.
import yargs, { type CommandModule } from 'yargs';
import { createContext, type CommandContext } from './context';
import { beforeEnd, protectArgs, unmarkMessage } from './stdio-arg';
import { describeFailure, say } from './report';
import { exitStatusFor } from './exit-status';
import { lastValueWins } from './last-wins';
import { ScpipeError, isScpipeError } from '../lib/errors';

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
function commandsFor(argv: string[]): string[] {
  const named = beforeEnd(argv).find((arg) => !arg.startsWith('-'));
  return named !== undefined && Object.hasOwn(COMMANDS, named) ? [named] : Object.keys(COMMANDS);
}

/** Runs scpipe with `argv` (without node and script); resolves the exit status. */
export async function main(argv: string[]): Promise<number> {
  let verbose = false;
  const ctx = createContext(() => verbose);
  const commands = await Promise.all(commandsFor(argv).map((name) => COMMANDS[name]!()));
  const parser = yargs(protectArgs(argv))
    .scriptName('scpipe')
    .usage('$0 <command> [options]\n\nMove byte streams over the SCP protocol, to and from scp-only hosts.')
    .middleware(lastValueWins, true)
    .middleware((args) => {
      verbose = Boolean(args.v);
    })
    .command(commands.map((command) => command(ctx)))
    .demandCommand(1, 'name a command: put, get, cp, serve')
    .strict()
    .parserConfiguration({ 'boolean-negation': false })
    .help('h')
    .alias('h', 'help')
    .version()
    .wrap(Math.min(100, process.stdout.columns ?? 80))
    .fail((msg, err) => {
      throw err ?? new ScpipeError('ERR_USAGE', unmarkMessage(msg));
    });
  skipHelpCache(parser);
  try {
    await parser.parseAsync();
  } catch (err) {
    say(describeFailure(err));
    if (isScpipeError(err, 'ERR_USAGE')) say("try 'scpipe --help' or 'scpipe <command> --help'");
    return exitStatusFor(err);
  }
  return ctx.status;
}

/**
 * yargs renders the command's whole help text before it runs the handler
 * (measurable for put's 40 options, on the critical path of every transfer),
 * only to show it if the handler fails with yargs's own failure output. Our
 * fail() throws and main() reports the error without help, so the text was
 * never used. An internal of yargs 17 (lib/command.js calls
 * usage.cacheHelpMessage()); if it is not there, nothing changes.
 */
function skipHelpCache(parser: object): void {
  const internals = (parser as { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } })
    .getInternalMethods?.();
  const usage = internals?.getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => {};
}

/** Runs scpipe with `argv` and exits the process with its status. */
export function runAndExit(argv: string[]): void {
  main(argv).then(
    (status) => {
      // Flush stdout/stderr, then exit even if a stray handle (stdin) is open.
      process.stdout.write('', () => process.exit(status));
    },
    (err: unknown) => {
      say(`internal error: ${(err as Error)?.stack ?? String(err)}`);
      process.exit(1);
    },
  );
}

if (require.main === module) runAndExit(process.argv.slice(2));
