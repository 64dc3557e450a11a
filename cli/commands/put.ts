// `scpipe put [options] [user@]host:path`: stdin to one remote file.
import type { Argv, CommandModule } from 'yargs';
import { DEFAULT_PARALLEL, DEFAULT_RETRIES, STALE_AFTER_S, ScpipeError, escapeForTerminal, isRemoteSpec, put, type PutInput } from '../../lib';
import type { CommandContext } from '../context';
import { InputCommand } from '../input-command';
import { allOperands, missingOperand, operands, withOperands } from '../operands';
import { ProgressLine } from '../progress';
import { recordProtocol, recordRetry, recordSha256, recordStored, recordStoredAfterSignal, summaryIfAsked, tally } from '../json-summary';
import { connectOptions, remoteArg, roleOptions, withSshOptions } from '../ssh-options';
import { emptyInputSource, openStdin, type StdinInput } from '../stdin';
import { runPutParts } from './put-parts';
import { checkPartCount } from '../part-count';
import { runPutMany } from './put-many';
import { say, sayEmptyInput, sayFoundRenamed, sayRetry } from '../report';
import { failureCaught, transferCommitted } from '../signals';
import { withSpoolFullHint } from '../spool-full';
import { withFullRemoteHint } from '../remote-full';
import { withMissingDirectoryHint } from '../missing-directory-hint';
import { ramSpoolWarning, unusableSpoolWarning } from '../ram-spool';
import { staleSayers } from '../stale-lines';
import { single, singleNumber } from '../yargs-limits';
import { protocolOf, protocolOptions } from '../protocol-option';
import { checksumFileOption, sayChecksums, writeChecksumFile, writeStoredAfterSignal } from '../checksums';
import { pasteSpec } from '../paste-target';
import { DEFAULT_MEMORY, DEFAULT_MODE, checkPutArgs, checkTargetName, putOperands, putOptions, type PutArgs, type PutLikeArgs } from './put-args';
import { refuseNewlineOverScp } from '../scp-newline';

/** Builds the put command for yargs. */
export function putCommand(ctx: CommandContext): CommandModule<object, PutArgs> {
  return {
    command: 'put',
    describe: "stream stdin, or a command's output, to a remote file ([user@]host:path)",
    builder: (y: Argv) =>
      withOperands(withSshOptions(y))
        .usage(
          '$0 put [options] [user@]host:path [[user@]host:path...] [-- command [arg...]]\n\n' +
            "Streams stdin to the remote file; after --, runs the command, uploads its output, and sends nothing unless it exits 0. " +
            'Several targets get the same stream, read once, at the same time.',
        )
        // scp takes -T in either direction and uses it only on download: accepted, unlisted.
        .option('T', { type: 'boolean', default: false, hidden: true })
        .option('p', { alias: 'preserve', type: 'boolean', default: false, describe: 'send --mode and --mtime and have the remote keep them' })
        .option('mode', { ...single, default: DEFAULT_MODE, describe: 'file mode to announce (octal)' })
        .option('mtime', { ...single, describe: 'modification time with -p (epoch seconds or ISO date YYYY-MM-DD...; after 2106 only with -O; default now)' })
        .option('memory', { ...single, default: DEFAULT_MEMORY, describe: 'RAM to spool in before spilling to disk (K/M/G)' })
        .option('spool-dir', { ...single, describe: 'directory for the spool file (default $TMPDIR or /tmp)' })
        .option('size', { ...single, describe: 'the exact input size in bytes: stream without spooling' })
        .option('name', { ...single, describe: 'file name to announce (default: last part of the path)' })
        .option('part-size', { ...single, describe: 'send as parts of SIZE (K/M/G) while the stream is produced, then a manifest PATH.sha256' })
        .option('parallel', { ...singleNumber('parallel'), describe: `channels at once: parts with --part-size (default ${DEFAULT_PARALLEL}), SFTP writes (default: from the round trip)` })
        .options(protocolOptions)
        .options(checksumFileOption)
        .option('verify', { type: 'boolean', default: false, describe: 'read the stored file back and compare its SHA-256 with the one sent (over SFTP before it takes the name); doubles the traffic' })
        .option('no-clobber', { type: 'boolean', default: false, describe: 'never replace a remote file: exit 1 before anything is sent if it exists (over SFTP the final rename refuses too)' })
        .option('retries', { ...singleNumber('retries'), describe: `resend after a lost connection, with backoff (default ${DEFAULT_RETRIES}; 0: never)` })
        .option('remove-stale', { type: 'boolean', default: false, describe: `over SFTP (with -O it does nothing): first remove the .NAME.scpipe-XXXXXX files an interrupted upload of this target (with --part-size: of its parts and manifest) left (those not written to for ${STALE_AFTER_S} s)` })
        .example('btrfs send @snap | zstd | scpipe put backup@vault:snap.btrfs.zst', '')
        .example('pg_dump db | scpipe put --memory 1G vault:db.sql', '')
        .example('btrfs send @snap | scpipe put --part-size 1G vault:snap.btrfs', '')
        .example('zfs send tank@tue | scpipe put --checksum-file tue.sha vault:tue offsite:tue', '')
        .example("scpipe put vault:home.tzst -- bash -o pipefail -c 'tar -C /home -c . | zstd'", '') as unknown as Argv<PutArgs>,
    handler: (args) => {
      if (allOperands(args).length === 0) throw missingOperand('where to store the stream: [user@]host:path', args);
      const words = operands(args).before;
      summaryIfAsked(args, 'put', words.length > 1 && words.every(isRemoteSpec) ? words : allOperands(args).slice(0, 1));
      return ctx.run((signal, log) => {
        const { targets, command } = putOperands(args);
        if (targets.length > 1) return runPutMany(args, targets, signal, log, command);
        return runPut(args, targets[0]!, signal, log, command);
      });
    },
  };
}

/**
 * `-v`'s "spooled in 1.20 s, sent in 2.31 s (465 MB/s)": until the first
 * byte could go (pass 1, or only the connection when nothing was spooled),
 * then the sending (times from performance.now()).
 */
export function timings(bytes: bigint, spooled: boolean, started: number, sending: number, ended: number): string {
  const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  const rate = ended > sending ? ` (${(Number(bytes) / 1000 / (ended - sending)).toFixed(0)} MB/s)` : '';
  return `${spooled ? 'spooled' : 'set up'} in ${s(sending - started)}, sent in ${s(ended - sending)}${rate}`;
}

/** Streams stdin to `targetArg`; shared by `put` and `cp - host:path`. */
export async function runPut(
  args: PutLikeArgs,
  targetArg: string,
  signal: AbortSignal,
  log?: (line: string) => void,
  command?: readonly string[],
): Promise<void> {
  const spec = remoteArg(targetArg, 'put');
  refuseNewlineOverScp([targetArg], args);
  checkTargetName(spec.path, args);
  const checked = await checkPutArgs(args); // before the command runs or we connect
  const { mode, memory, size, partSize } = checked;
  if (partSize !== undefined) {
    const stdin = command ? undefined : openStdin();
    if (args['spool-dir'] === undefined && stdin?.fileSize === undefined) (await unusableSpoolWarning(memory, { partSize, parallel: args.parallel ?? DEFAULT_PARALLEL }))();
    const producer = command && new InputCommand(command, signal);
    try {
      checkPartCount(stdin?.fileSize, partSize, args['part-size']!);
      await runPutParts(
        { ...args, partSize, parallel: args.parallel, retries: args.retries, memory, spoolDir: args['spool-dir'], mode },
        spec,
        producer ? producer.input : stdin!.input,
        signal,
        log,
        emptyInputSource(stdin, size !== undefined),
        stdin?.fileSize,
      );
    } catch (err) {
      failureCaught(err); // as below: the stop may wait 2 s, and a second signal not
      throw err;
    } finally {
      await producer?.stop();
    }
    return;
  }
  const piped = command ? undefined : openStdin(size !== undefined);
  // Spooled: over SCP (under auto, once chosen), with neither --size nor a regular file's size.
  const protocol = protocolOf(args);
  const spoolWarning = args['spool-dir'] === undefined && size === undefined && piped?.fileSize === undefined && protocol !== 'sftp' ? await unusableSpoolWarning(memory, { protocol: 'scp' }) : undefined;
  if (protocol === 'scp') spoolWarning?.();
  const producer = command && new InputCommand(command, signal);
  const stdin: Omit<StdinInput, 'input'> & { input: PutInput } = producer ? { input: producer.input } : piped!;
  const progress = ProgressLine.wanted(args);
  const started = performance.now();
  let sending: number | undefined; // when pass 2 began
  let verifying: number | undefined; // when --verify's read-back began (the sending had ended)
  let failed = false;
  try {
    const result = await put(connectOptions(spec, args, log), spec.path, stdin.input, {
      ...putOptions(args, checked, stdin),
      ...roleOptions(args, signal, log),
      onProtocol: (chosen) => {
        recordProtocol(chosen);
        if (chosen === 'scp') spoolWarning?.(); // before the stream is read
      },
      onCommitted: transferCommitted,
      onSpill: ramSpoolWarning(args['spool-dir'], false, () => progress?.done()),
      ...staleSayers(say, progress),
      onFoundRenamed: (path, bytes) => {
        progress?.done();
        sayFoundRenamed(path, bytes);
      },
      onRetry: (e) => {
        recordRetry();
        progress?.done('lost'); // every byte may have gone, yet none is stored: not "100%"
        sayRetry(spec.path, e);
      },
      onProgress: tally((p) => {
        if (p.phase === 'transfer') sending ??= performance.now();
        if (p.phase === 'verify') verifying ??= performance.now();
        progress?.update(p);
      }),
    });
    if (result.protocol === 'sftp') log?.(`sftp: ${result.channels} channel(s), nothing spooled`);
    log?.(`sent ${result.bytes} bytes (spool: ${result.spooled}) ${timings(result.bytes, result.spooled !== 'none', started, sending ?? started, verifying ?? performance.now())}`);
    const empty = emptyInputSource(piped, size !== undefined);
    if (result.bytes === 0n && empty !== undefined) {
      progress?.done();
      sayEmptyInput(`${escapeForTerminal(storedAt(spec.path, result.name))} as an empty file`, empty);
    }
    recordStored();
    if (result.sha256 !== undefined) {
      recordSha256(result.sha256);
      log?.(`sha256 ${result.sha256}`);
      if (args['checksum-file'] !== undefined) await writeChecksumFile(args['checksum-file'], result.sha256, result.name);
      progress?.done();
      sayChecksums(args, [{ sha256: result.sha256, name: result.name }]);
    }
  } catch (err) {
    failed = true;
    failureCaught(err); // the stop below may wait 2 s, and a second signal not
    await producer?.stop();
    progress?.done(true);
    recordStoredAfterSignal(err);
    await writeStoredAfterSignal(args, err);
    // Spooled, so the command's end came before the first byte could go.
    const failure = producer?.failure;
    if (failure !== undefined && failure === err && size === undefined) {
      throw new ScpipeError('ERR_LOCAL_IO', `${failure.message}; nothing was sent`, { cause: err });
    }
    // With --size the bytes went as they came: the library's error says the remote file cannot be trusted.
    const pasted = pasteSpec(spec, args);
    throw withMissingDirectoryHint(withFullRemoteHint(withSpoolFullHint(err), pasted), pasted);
  } finally {
    progress?.done(failed);
  }
}

// Where the file went: a target naming a directory by its `/` (or the home)
// holds it under its name. Without the slash SCP does not say whether the
// target was a directory, so the path is named as given.
function storedAt(path: string, name: string): string {
  if (path === '') return name;
  return path.endsWith('/') ? path + name : path;
}
