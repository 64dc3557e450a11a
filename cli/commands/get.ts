// `scpipe get [options] [user@]host:path`: one remote file to stdout (or
// --output FILE), exactly the announced bytes; anything short is an error.
// A lost connection is retried where that is honest (lib getTo()).
import type { Argv, CommandModule } from 'yargs';
import { ScpipeError, checkCounts, escapeForTerminal, getTo, isScpipeError, type Download } from '../../lib';
import type { CommandContext } from '../context';
import { allOperands, getOperand, withOperands, type OperandArgs } from '../operands';
import { ProgressLine } from '../progress';
import { checkOutputFile, refuseClosedStdout, refuseTerminalStdout } from '../stdout';
import { recordPartFetched, recordRetry, recordSha256, recordStored, summaryIfAsked, summaryOff, tally } from '../json-summary';
import { connectOptions, remoteArg, roleOptions, withSshOptions, type SshArgs } from '../ssh-options';
import { say, sayRetry } from '../report';
import { findLocalLeftovers } from '../local-leftovers';
import { keptRestoreFound, localLeftoverFound } from '../stale-lines';
import { single, singleNumber } from '../yargs-limits';
import { protocolOf, protocolOptions, type ProtocolArgs } from '../protocol-option';
import { checkChecksumFile, checkOptions, checksumFileOption, expectedSha256, sayChecksums, wantsSha256, writeChecksumFile, type ChecksumArgs } from '../checksums';
import { checkSpoolDirectory, followLinks, sourceNamesDirectory, withMessage } from '../../lib/internal';
import { heldParts, withPartsSpoolFullHint } from '../spool-full';
import { fetchWords, withRestOfSetHint } from '../set-rest-hint';
import { withDirectoryHint } from '../directory-hint';
import { roomWarning } from '../room-warning';
import { ownSocketAt, ownStreamAt, refuseSumsInto } from '../file-stream';
import { transferCommitted } from '../signals';
import { ramSpoolWarning } from '../ram-spool';
import { parseMemory } from './put-args';
import { spoolShortWarning } from './put-parts';
import { keptFileLogs, resumeLine } from '../resume-lines';
import { pasteSpec } from '../paste-target';

interface GetArgs extends SshArgs, OperandArgs, ChecksumArgs {
  output?: string;
  parts?: boolean;
  p: boolean;
  parallel?: number;
  retries?: number;
  memory?: string;
  'spool-dir'?: string;
  resume?: boolean;
}

/** Builds the get command for yargs. */
export function getCommand(ctx: CommandContext): CommandModule<object, GetArgs> {
  return {
    command: 'get',
    describe: 'write a remote file ([user@]host:path) to stdout',
    builder: (y: Argv) =>
      withOperands(withSshOptions(y))
        .usage('$0 get [options] [user@]host:path\n\nWrites the remote file to stdout, exactly its size, or to --output FILE, replaced only when complete. A parts set (PATH.sha256 and its parts) comes as one stream.')
        .option('output', { ...single, describe: 'write to FILE instead of stdout (replaced only when complete; - is stdout)' })
        .option('p', { alias: 'preserve', type: 'boolean', default: false, describe: "keep the remote file's mode and times (with --output; to stdout: refused, exit 2)" })
        .option('parts', { type: 'boolean', describe: 'PATH is a parts set (PATH.sha256 and its parts), also where a plain file PATH is there too' })
        .option('parallel', { ...singleNumber('parallel'), describe: 'channels at once: SFTP reads (default: from the round trip), or parts fetched ahead for a parts set PATH.sha256 (default 4)' })
        .options(protocolOptions)
        .options(checksumFileOption)
        .options(checkOptions)
        .option('retries', { ...singleNumber('retries'), describe: 'fetch again after a lost connection, with backoff (default 5; 0: never)' })
        .option('memory', { ...single, describe: 'a parts set: RAM for the parts fetched ahead before they go to --spool-dir (K/M/G; default 64M)' })
        .option('resume', { type: 'boolean', describe: 'with --output FILE: download into FILE.scpipe-partial-*, keep it when the run fails, and go on from there (a parts set: its last whole part that matches the manifest; a single file, over SFTP only: its length, while the remote path, size and mtime stay)' })
        .option('spool-dir', { ...single, describe: 'a parts set: directory for the parts fetched ahead past --memory, (parallel + 1) parts at most (default $TMPDIR or /tmp)' })
        .example('scpipe get vault:db.dump.zst | zstd -d | pg_restore -d mydb', '')
        .example('scpipe get --check db.dump.zst.sha256 --output db.dump.zst vault:db.dump.zst', '') as unknown as Argv<GetArgs>,
    handler: (args) => {
      const source = getOperand(allOperands(args), args);
      summaryIfAsked(args, 'get', [source]);
      // `-` is stdout, as for --checksum-file and cp's `-` (a file named - is ./-).
      return ctx.run((signal, log) => runGet(args, source, args.output === '-' ? undefined : args.output, signal, log));
    },
  };
}

/** Writes one remote file to stdout or `output`; shared by `get` and `cp host:f -`. */
export async function runGet(
  args: SshArgs & ProtocolArgs & ChecksumArgs & { p?: boolean; parallel?: number; retries?: number; parts?: boolean; memory?: string; 'spool-dir'?: string; resume?: boolean },
  sourceArg: string,
  output: string | undefined,
  signal: AbortSignal,
  log?: (line: string) => void,
): Promise<void> {
  checkCounts(args); // before we connect
  if (args.resume && output === undefined) throw new ScpipeError('ERR_USAGE', '--resume keeps a restore in a file beside its --output FILE: give one (a stream cannot be resumed)');
  if (output === undefined) {
    // `get -p host:f > f` kept neither mode nor times, without a word.
    if (args.p) throw new ScpipeError('ERR_USAGE', '-p keeps a mode and times, which stdout cannot take: write to a file (get --output FILE, cp SRC FILE)');
    refuseClosedStdout();
    refuseTerminalStdout();
  } else await checkOutputFile(output, args.resume, remotePath(sourceArg));
  // --output /dev/stdout where it is a socket (a systemd service's): written through the stream, as `cat f > /dev/stdout` does.
  const own = output === undefined ? undefined : await ownSocketAt(output);
  // There, or where it is the pipe or file stdout is, `--checksum-file -` and --json mixed their lines into the file's bytes.
  const carrier = own ?? (output === undefined ? undefined : await ownStreamAt(output));
  await refuseSumsInto(output === undefined ? process.stdout : carrier, output === undefined ? 'stdout' : escapeForTerminal(output), output !== undefined, args);
  if (carrier !== undefined) summaryOff(carrier, escapeForTerminal(output!));
  else if (output === undefined) summaryOff(process.stdout, 'stdout');
  if (own !== undefined && (args.p || args.resume)) throw new ScpipeError('ERR_USAGE', `--output ${escapeForTerminal(output!)} is a socket, a stream: ${args.p ? '-p' : '--resume'} needs a file`);
  const spec = remoteArg(sourceArg, 'get');
  // `get host:` came after the login (exit 255 when the host was down) as `"" does not name a file`.
  const noFile = sourceNamesDirectory(spec.path);
  if (noFile) throw noFile;
  const expectSha256 = await expectedSha256(args, spec.path);
  // With --output, stdout is free for the line (`get --output f --checksum-file - > f.sha256`).
  if (args['checksum-file'] === '-' && output === undefined) throw new ScpipeError('ERR_USAGE', 'stdout carries the file: give --checksum-file a file name (or the file --output)');
  await checkChecksumFile(args['checksum-file']);
  const memoryLimit = args.memory === undefined ? undefined : parseMemory(args.memory);
  if (args['spool-dir'] !== undefined) await checkSpoolDirectory(args['spool-dir']);
  const progress = ProgressLine.wanted(args);
  let download: Download | undefined;
  let resumedAt = 0n; // the bytes a kept file holds (--resume), on the output's file system already
  let fitted: number | undefined; // the parts fetched ahead, where the spool had room for fewer than --parallel
  const outputAt = output === undefined || own !== undefined ? undefined : await followLinks(output).catch(() => output);
  try {
    const got = await getTo(connectOptions(spec, args, log), spec.path, own ?? output ?? process.stdout, {
      ...roleOptions(args, signal, log),
      preserve: Boolean(args.p),
      reuseChunks: true, // stdout and the --output file are done with a chunk once written
      protocol: protocolOf(args),
      parallel: args.parallel,
      parts: args.parts,
      retries: args.retries,
      memoryLimit,
      spoolDir: args['spool-dir'],
      onSpill: ramSpoolWarning(args['spool-dir'], 'fetched', () => progress?.done()),
      onSpoolShort: (short) => {
        fitted = short.fitted;
        progress?.done();
        say(spoolShortWarning(short, 'get'));
      },
      resume: args.resume,
      onResume: (event) => {
        if (event.phase !== 'check') resumedAt = event.bytes;
        const line = resumeLine(event);
        if (line !== undefined) {
          progress?.done();
          say(line);
        }
        for (const logged of keptFileLogs(event)) log?.(logged);
      },
      sha256: wantsSha256(args),
      expectSha256,
      onCommitted: transferCommitted,
      onRetry: (e) => {
        recordRetry(e);
        sayRetry(e.file ?? spec.path, e);
      },
      onProgress: tally(progress?.update),
      onPartOut: () => recordPartFetched(),
      onDownload: (d) => {
        const short = outputAt === undefined || download !== undefined ? undefined : roomWarning(outputAt, d.size, resumedAt); // once, not at each retry
        if (short !== undefined) {
          progress?.done();
          say(short);
        }
        download = d;
        log?.(`receiving ${escapeForTerminal(d.name)} over ${d.protocol}: ${d.size} bytes`);
      },
    });
    transferCommitted(); // also where the signal came first and getTo resolved all the same: a --checksum-file cannot undo it
    recordStored();
    if (got.sha256 !== undefined) {
      recordSha256(got.sha256);
      log?.(`sha256 ${got.sha256}${expectSha256 === undefined ? '' : ', as expected'}`);
      // The file as it is here: the output path as given (sha256sum -c then checks it), else the remote name.
      const name = output ?? got.manifest?.name ?? got.name;
      if (args['checksum-file'] !== undefined) await writeChecksumFile(args['checksum-file'], got.sha256, name);
      progress?.done();
      sayChecksums(args, [{ sha256: got.sha256, name }]);
    }
    if (output !== undefined && own === undefined) {
      progress?.done();
      const stored = await followLinks(output).catch(() => output); // the temp files are beside the link's end
      for (const left of await findLocalLeftovers(stored)) say((left.kept ? keptRestoreFound : localLeftoverFound)(left.path, left.ageS, left.bytes));
    }
  } catch (caught) {
    const err = namedAsGiven(caught, spec.path, sourceArg);
    const pasted = pasteSpec(spec, args);
    if (err instanceof ScpipeError || output !== undefined) throw withDirectoryHint(withRestOfSetHint(withPartsSpoolFullHint(err, 'get', heldParts(download, fitted ?? args.parallel, memoryLimit)), pasted, download, fetchWords(args)), pasted);
    throw new ScpipeError('ERR_LOCAL_IO', `cannot write stdout: ${(err as Error).message}`, { path: 'stdout', cause: err });
  } finally {
    progress?.done();
  }
}

// A checksum failure names the remote file as the user gave it, host and all, not its path alone.
function namedAsGiven(err: unknown, path: string, given: string): unknown {
  const shownPath = escapeForTerminal(path);
  if (!isScpipeError(err, 'ERR_CHECKSUM') || !err.message.startsWith(`${shownPath} `)) return err;
  return withMessage(err, `${escapeForTerminal(given)}${err.message.slice(shownPath.length)}`);
}

// The remote path of `sourceArg`, for a message before connecting; undefined where it is no remote operand (its own error comes later).
function remotePath(sourceArg: string): string | undefined {
  try {
    return remoteArg(sourceArg, 'get').path;
  } catch {
    return undefined;
  }
}
