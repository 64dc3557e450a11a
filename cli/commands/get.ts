// `scpipe get [options] [user@]host:path`: one remote file to stdout (or
// --output FILE), exactly the announced bytes; anything short is an error.
import { posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Argv, CommandModule } from 'yargs';
import { get, type Download } from '../../lib/client/get';
import { ScpipeError } from '../../lib/errors';
import { openOutputFile } from '../../lib/fs/open-output';
import type { OutputFile } from '../../lib/fs/output-file';
import { resolveTarget } from '../../lib/fs/target';
import { formatMode } from '../../lib/protocol/records';
import { escapeForTerminal } from '../../lib/util/escape';
import type { CommandContext } from '../context';
import { ProgressLine } from '../progress';
import { connectOptions, remoteArg, roleOptions, withSshOptions, type SshArgs } from '../ssh-options';
import { restoreArg } from '../stdio-arg';
import { say } from '../report';

interface GetArgs extends SshArgs {
  source: string;
  output?: string;
  p: boolean;
  parallel?: number;
  retries?: number;
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
    command: 'get <source>',
    describe: 'write a remote file ([user@]host:path) to stdout',
    builder: (y: Argv) =>
      withSshOptions(y)
        .usage('$0 get [options] <source>')
        .positional('source', { type: 'string', demandOption: true, describe: '[user@]host:path of the remote file' })
        .option('output', { type: 'string', describe: 'write to FILE instead of stdout (replaced only when complete)', requiresArg: true })
        .option('p', { alias: 'preserve', type: 'boolean', default: false, describe: 'preserve times and mode (no effect on stdout)' })
        .option('parallel', { type: 'number', describe: 'for a parts set (PATH.sha256): parts fetched ahead, each over its own channel (default 4)', requiresArg: true })
        .option('retries', { type: 'number', describe: 'fetch again after a lost connection, with backoff (default 5; 0: never)', requiresArg: true })
        .example('scpipe get vault:db.dump.zst | zstd -d | pg_restore -d mydb', '') as unknown as Argv<GetArgs>,
    handler: (args) => ctx.run((signal, log) => runGet(args, restoreArg(args.source), args.output, signal, log)),
  };
}

/** Writes one remote file to stdout or `output`; shared by `get` and `cp host:f -`. */
export async function runGet(
  args: SshArgs & { p?: boolean; parallel?: number; retries?: number },
  sourceArg: string,
  output: string | undefined,
  signal: AbortSignal,
  log?: (line: string) => void,
): Promise<void> {
  const spec = remoteArg(sourceArg, 'get');
  const progress = ProgressLine.wanted(args.q) ? new ProgressLine(posix.basename(spec.path) || spec.host) : undefined;
  try {
    const download = await get(connectOptions(spec, args, log), spec.path, {
      ...roleOptions(args, signal, log),
      preserve: Boolean(args.p),
      parallel: args.parallel,
      retries: args.retries,
      onRetry: (e) => say(`${escapeForTerminal(spec.path)}: ${(e.error as Error).message}; retry ${e.retry} of ${e.retries} in ${(e.delayMs / 1000).toFixed(0)} s`),
      onProgress: progress ? (p) => progress.update({ phase: 'send', bytes: p.bytes, total: p.total }) : undefined,
    });
    log?.(`receiving ${escapeForTerminal(download.name)}: ${download.size} bytes, mode ${formatMode(download.mode)}`);
    if (output === undefined) {
      await pipeline(download.body, process.stdout).catch(localError('stdout'));
      await download.done;
      return;
    }
    await writeOutput(download, output, Boolean(args.p));
  } finally {
    progress?.done();
  }
}

// --output: the body goes through an OutputFile, as a file received by the
// local sink does, so a partial download never replaces the file (see
// output-file.ts) and its bytes are counted against the announced size.
async function writeOutput(download: Download, output: string, preserve: boolean): Promise<void> {
  let file: OutputFile;
  try {
    file = await openOutput(download, output, preserve);
  } catch (err) {
    download.body.destroy(); // nobody will read it
    throw err;
  }
  try {
    // A write error (ENOSPC) stops the download: OutputFile would drop the rest.
    await pipeline(download.body, async (body: AsyncIterable<Buffer>) => {
      for await (const chunk of body) {
        await file.write(chunk);
        if (file.failed) return;
      }
    }).catch((err: unknown) => {
      if (!file.failed) throw err;
    });
    if (!file.failed) await download.done;
  } catch (err) {
    await file.abort();
    throw err;
  }
  const problem = await file.finish({ ok: true });
  if (problem !== undefined) throw new ScpipeError('ERR_LOCAL_IO', problem, { path: output });
}

// Opens where --output writes: the file a received file would be (see
// lib/fs/open-output.ts: a device is written in place, a file through a
// private temp file renamed once verified). A symlink the user gave is
// followed (resolveTarget), as `cp host:f link` does.
async function openOutput(download: Download, output: string, preserve: boolean): Promise<OutputFile> {
  const target = await resolveTarget(output);
  const path = target.isDirectory ? output : target.path;
  const opened = await openOutputFile(path, {
    size: download.size,
    mode: download.mode & 0o777,
    preserve,
    times: preserve ? download.times : undefined,
    umask: process.umask(),
  });
  if ('error' in opened) throw new ScpipeError('ERR_LOCAL_IO', opened.error, { path: output });
  return opened;
}
