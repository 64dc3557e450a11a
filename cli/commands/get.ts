// `scpipe get [options] [user@]host:path`: one remote file to stdout (or
// --output FILE), exactly the announced bytes; anything short is an error.
import { posix } from 'node:path';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Argv, CommandModule } from 'yargs';
import { get } from '../../lib/client/get';
import { ScpipeError } from '../../lib/errors';
import { escapeForTerminal } from '../../lib/util/escape';
import type { CommandContext } from '../context';
import { ProgressLine } from '../progress';
import { connectOptions, remoteArg, withSshOptions, type SshArgs } from '../ssh-options';

interface GetArgs extends SshArgs {
  source: string;
  output?: string;
  p: boolean;
}

function localError(what: string): (err: unknown) => never {
  return (err) => {
    if (err instanceof ScpipeError) throw err;
    throw new ScpipeError('ERR_LOCAL_IO', `cannot write ${what}: ${(err as Error).message}`, { path: what, cause: err });
  };
}

/** Builds the get command for yargs. */
export function getCommand(ctx: CommandContext): CommandModule<object, GetArgs> {
  return {
    command: 'get [options] <source>',
    describe: 'write a remote file ([user@]host:path) to stdout',
    builder: (y: Argv) =>
      withSshOptions(y)
        .positional('source', { type: 'string', demandOption: true, describe: '[user@]host:path of the remote file' })
        .option('output', { type: 'string', describe: 'write to FILE instead of stdout (replaced only when complete)', requiresArg: true })
        .option('p', { alias: 'preserve', type: 'boolean', default: false, describe: 'ask for times (no effect on stdout)' })
        .example('scpipe get vault:db.dump.zst | zstd -d | pg_restore -d mydb', '') as unknown as Argv<GetArgs>,
    handler: (args) => ctx.run((signal, log) => runGet(args, args.source, args.output, signal, log)),
  };
}

/** Writes one remote file to stdout or `output`; shared by `get` and `cp host:f -`. */
export async function runGet(
  args: SshArgs & { p?: boolean },
  sourceArg: string,
  output: string | undefined,
  signal: AbortSignal,
  log?: (line: string) => void,
): Promise<void> {
  const spec = remoteArg(sourceArg, 'get');
  const progress = ProgressLine.wanted(args.q) ? new ProgressLine(posix.basename(spec.path) || spec.host) : undefined;
  try {
    const download = await get(connectOptions(spec, args, log), spec.path, {
      signal,
      preserve: Boolean(args.p),
      quote: args.quote,
      scpPath: args['scp-path'],
      trace: log,
      onStderrLine: (line) => process.stderr.write(`${line}\n`),
      onProgress: progress ? (p) => progress.update({ phase: 'send', bytes: p.bytes, total: p.total }) : undefined,
    });
    log?.(`receiving ${escapeForTerminal(download.name)}: ${download.size} bytes, mode ${download.mode.toString(8).padStart(4, '0')}`);
    if (output === undefined) {
      await pipeline(download.body, process.stdout).catch(localError('stdout'));
      await download.done;
      return;
    }
    // A partial download never replaces the file: write aside, rename when verified.
    const part = `${output}.scpipe-${process.pid}.part`;
    try {
      await pipeline(download.body, createWriteStream(part, { flags: 'wx', mode: download.mode & 0o777 })).catch(localError(part));
      await download.done;
      await rename(part, output).catch(localError(output));
    } finally {
      await rm(part, { force: true });
    }
  } finally {
    progress?.done();
  }
}
