#!/usr/bin/env node
// The scpipe command line: parses argv with yargs, runs one command, and
// exits with the status that cli/exit-status.ts chose.
import yargs from 'yargs';
import { createContext } from './context';
import { protectDashes } from './stdio-arg';
import { putCommand } from './commands/put';
import { getCommand } from './commands/get';
import { cpCommand } from './commands/cp';
import { serveCommand } from './commands/serve';
import { describeFailure, say } from './report';
import { exitStatusFor } from './exit-status';
import { ScpipeError, isScpipeError } from '../lib/errors';

/** Runs scpipe with `argv` (without node and script); resolves the exit status. */
export async function main(argv: string[]): Promise<number> {
  let verbose = false;
  const ctx = createContext(() => verbose);
  const parser = yargs(protectDashes(argv))
    .scriptName('scpipe')
    .usage('$0 <command> [options]\n\nMove byte streams over the SCP protocol, to and from scp-only hosts.')
    .middleware((args) => {
      verbose = Boolean(args.v);
    })
    .command(putCommand(ctx))
    .command(getCommand(ctx))
    .command(cpCommand(ctx))
    .command(serveCommand(ctx))
    .demandCommand(1, 'name a command: put, get, cp, serve')
    .strict()
    .parserConfiguration({ 'boolean-negation': false })
    .help('h')
    .alias('h', 'help')
    .version()
    .wrap(Math.min(100, process.stdout.columns ?? 80))
    .fail((msg, err) => {
      throw err ?? new ScpipeError('ERR_USAGE', msg);
    });
  try {
    await parser.parseAsync();
  } catch (err) {
    say(describeFailure(err));
    if (isScpipeError(err, 'ERR_USAGE')) say("try 'scpipe --help' or 'scpipe <command> --help'");
    return exitStatusFor(err);
  }
  return ctx.status;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
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
