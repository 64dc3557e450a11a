// `scpipe cp [options] SRC... DEST`: scp-style copies. Each argument is a
// local path, `[user@]host:path`, or `-` (stdin as the source, stdout as the
// destination). One side must be remote; remote-to-remote is not supported.
import type { Argv, CommandModule } from 'yargs';
import { DEFAULT_RETRIES, ScpipeError, checkCounts, download, escapeForTerminal, isRemoteSpec, upload, type ChecksumEntry, type CopiedFile, type RetryEvent } from '../../lib';
import type { CommandContext } from '../context';
import { allOperands, missingOperand, withOperands, type OperandArgs } from '../operands';
import { ProgressLine } from '../progress';
import { AlreadyReported, say, sayRetry } from '../report';
import { transferCommitted } from '../signals';
import { withFullRemoteHint } from '../remote-full';
import { withMissingDirectoryHint } from '../missing-directory-hint';
import { recordRetry, recordStored, summaryIfAsked, summaryOff, tally } from '../json-summary';
import { single, singleNumber } from '../yargs-limits';
import { tempKept } from '../stale-lines';
import { connectOptions, remoteArg, roleOptions, withSshOptions, type SshArgs } from '../ssh-options';
import { runGet } from './get';
import { ownSocketAt, ownStreamAt, refuseSumsInto } from '../file-stream';
import { runPut } from './put';
import { protocolOf, protocolOptions, type ProtocolArgs } from '../protocol-option';
import { checkChecksumFile, sayChecksums, wantsSha256, writeChecksumEntries } from '../checksums';
import { namesDirectory, namesNoFile } from '../../lib/internal';
import { pasteSpec } from '../paste-target';

interface CpArgs extends SshArgs, OperandArgs, ProtocolArgs {
  r: boolean;
  p: boolean;
  retries?: number;
  'checksum-file'?: string;
  checksum?: boolean;
}

/** Builds the cp command for yargs. */
export function cpCommand(ctx: CommandContext): CommandModule<object, CpArgs> {
  return {
    command: 'cp',
    describe: 'copy files and trees (-r) between here and a host: SRC... DEST',
    builder: (y: Argv) =>
      withOperands(withSshOptions(y))
        .usage('$0 cp [options] SRC... DEST\n\nSRC and DEST: local paths, [user@]host:path, or - for stdin/stdout.')
        .option('r', { alias: 'recursive', type: 'boolean', default: false, describe: 'copy directories recursively' })
        .option('p', { alias: 'preserve', type: 'boolean', default: false, describe: 'preserve modes and times' })
        .options(protocolOptions)
        .option('retries', { ...singleNumber('retries'), describe: `copy again after a lost connection, with backoff: the sources not finished, the one cut short from its start (default ${DEFAULT_RETRIES}; 0: never)` })
        .option('checksum-file', { ...single, describe: 'write the SHA-256 of every file copied, taken in the same pass, to FILE as sha256sum does, one line per file named by its local path ("-": stdout)' })
        .option('checksum', { type: 'boolean', describe: 'print those lines on stderr once the copy ends' })
        .example('scpipe cp -r -p ./photos backup@vault:photos-2026', '')
        .example('scpipe cp -r --checksum-file photos.sha256 photos backup@vault:archive/', '')
        .example('scpipe cp -r -p backup@vault:photos-2026 ./restore/', '') as unknown as Argv<CpArgs>,
    handler: (args) => {
      const paths = allOperands(args);
      if (paths.length === 0) throw missingOperand('what to copy and where: SRC... DEST, one side [user@]host:path', args);
      summaryIfAsked(args, 'cp', paths.slice(-1), paths.filter((p) => isRemoteSpec(p)));
      return ctx.run(async (signal, log) => {
        checkCounts(args); // before we connect
        if (paths.length < 2) throw new ScpipeError('ERR_USAGE', 'cp needs at least one source and a destination');
        // `cp "$SRC" host:` with SRC unset took "" for "/", and `cp host:f "$DEST"` failed only after connecting.
        if (paths.includes('')) throw new ScpipeError('ERR_USAGE', 'an empty SRC or DEST: give a path (. for this directory)');
        const dest = paths[paths.length - 1]!;
        const sources = paths.slice(0, -1);
        const destRemote = isRemoteSpec(dest);
        const remoteSources = sources.filter((s) => isRemoteSpec(s));
        if (destRemote && remoteSources.length > 0) {
          throw new ScpipeError('ERR_USAGE', 'remote-to-remote copies are not supported; pipe them: scpipe get a:f | scpipe put b:f');
        }
        if (!destRemote && remoteSources.length === 0) throw new ScpipeError('ERR_USAGE', 'one side must be remote ([user@]host:path); use cp(1) for local copies');
        if (sources.includes('-')) {
          if (sources.length > 1 || !destRemote) throw new ScpipeError('ERR_USAGE', "'-' (stdin) must be the only source, copied to a remote file");
          // cp takes no --name, which put's own message would offer.
          const { path } = remoteArg(dest, 'put');
          if (namesNoFile(path)) throw namesDirectory(path, false);
          return runPut(args, dest, signal, log);
        }
        if (dest === '-') {
          if (sources.length > 1) throw new ScpipeError('ERR_USAGE', "only one remote file can be copied to '-' (stdout)");
          return runGet(args, sources[0]!, undefined, signal, log);
        }
        // `cp host:f /dev/stdout` where that is a socket (a systemd service's) said "No such device or address": written as get --output writes it.
        if (await ownSocketAt(dest)) {
          const why = args.p ? '-p needs a file' : args.r ? '-r copies a tree, which it cannot take' : sources.length > 1 ? 'it takes one remote file' : undefined;
          if (why !== undefined) throw new ScpipeError('ERR_USAGE', `${escapeForTerminal(dest)} is a socket, a stream: ${why}`);
          return runGet(args, sources[0]!, dest, signal, log);
        }
        const sumsFile = args['checksum-file'];
        // `cp host:f /dev/stdout | reader`: the file is written by name, and a line said on stdout went into its bytes.
        const carrier = await ownStreamAt(dest);
        await refuseSumsInto(carrier, escapeForTerminal(dest), true, args);
        if (carrier !== undefined) summaryOff(carrier, escapeForTerminal(dest));
        if (sumsFile === '-' && args.json) throw new ScpipeError('ERR_USAGE', '--checksum-file - and --json would both write to stdout: give the checksum a file name');
        await checkChecksumFile(sumsFile); // before we connect
        // By local path; a file copied again after a lost connection keeps its place, with the new sum.
        const sums = new Map<string, string>();
        const reported = new WeakSet<object>(); // not a list: a hostile remote's problems can be endless
        const progress = ProgressLine.wanted(args);
        const pasted = () => pasteSpec(remoteArg(dest, 'cp'), args);
        const common = {
          ...roleOptions(args, signal, log),
          recursive: args.r,
          preserve: args.p,
          protocol: protocolOf(args),
          onProblem: (err: ScpipeError) => {
            reported.add(err);
            progress?.done();
            say((destRemote ? withMissingDirectoryHint(withFullRemoteHint(err, pasted()), pasted()) : err).message);
          },
          onProgress: tally(progress?.update),
          onTempKept: (path: string, error: ScpipeError) => {
            progress?.done();
            say(tempKept(path, error));
          },
          sha256: wantsSha256(args),
          onFileCopied: wantsSha256(args) ? (f: CopiedFile) => sums.set(f.localPath, f.sha256!) : undefined,
          retries: args.retries,
          onRetry: (e: RetryEvent & { source: string }) => {
            recordRetry();
            progress?.done();
            sayRetry(e.source, e);
          },
        };
        try {
          if (destRemote) {
            const spec = remoteArg(dest, 'cp');
            await upload(connectOptions(spec, args, log), sources, spec.path, { ...common, onCommitted: transferCommitted });
          } else {
            const specs = sources.map((s) => remoteArg(s, 'cp'));
            for (const spec of specs) {
              // One connection serves them all: an scp:// source's port must be the others' too.
              if (spec.host !== specs[0]!.host || spec.user !== specs[0]!.user || spec.port !== specs[0]!.port) {
                throw new ScpipeError('ERR_USAGE', 'copy from one host (one user, one port) at a time');
              }
            }
            await download(connectOptions(specs[0]!, args, log), specs.map((s) => s.path), dest, common);
          }
        } catch (err) {
          progress?.done();
          // The files that were stored are listed all the same: the copy's error is the one said.
          // With none stored, the last run's sums stay: an empty file would only lose them.
          if (sumsFile !== undefined && sums.size > 0) await writeSums(sumsFile, sums).catch((e: Error) => say(e.message));
          sayChecksums(args, entriesOf(sums));
          if (typeof err === 'object' && err !== null && reported.has(err)) throw new AlreadyReported(err);
          throw destRemote ? withMissingDirectoryHint(err, pasted()) : err;
        } finally {
          progress?.done();
        }
        transferCommitted(); // a download's too: the --checksum-file after it cannot undo it
        recordStored();
        if (sumsFile !== undefined) await writeSums(sumsFile, sums);
        sayChecksums(args, entriesOf(sums));
      });
    },
  };
}

// --checksum-file: one line per file stored, in the order of the walk (files in flight at once are reported in it), a file stored again (a retry) at its first place.
function writeSums(file: string, sums: Map<string, string>): Promise<void> {
  return writeChecksumEntries(file, entriesOf(sums));
}

function entriesOf(sums: Map<string, string>): ChecksumEntry[] {
  return [...sums].map(([name, sha256]) => ({ sha256, name }));
}
