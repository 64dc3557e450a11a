// `scpipe put --part-size SIZE [--parallel N] [--retries N] host:path`: the
// stream as a parts set (lib/client/parts), with -v lines per part, retries
// on stderr, and progress on a terminal.
import { recordPartConfirmed, recordParts, recordRetry, recordStored, recordStoredAfterSignal, tally } from '../json-summary';
import { DEFAULT_PARALLEL, ScpipeError, escapeForTerminal, put, type PartReport, type PutInput, type RemoteSpec, type SpoolShort } from '../../lib';
import { formatBytes } from '../../lib/internal';
import { ProgressLine } from '../progress';
import { say, sayEmptyInput, sayRetry, type EmptyInputSource } from '../report';
import { transferCommitted } from '../signals';
import { ramSpoolWarning } from '../ram-spool';
import { staleSayers } from '../stale-lines';
import { connectOptions, roleOptions, type SshArgs } from '../ssh-options';
import { protocolOf, type ProtocolArgs } from '../protocol-option';
import { sayChecksums, writeChecksumFile, writeStoredAfterSignal } from '../checksums';
import { withPartsSpoolFullHint } from '../spool-full';
import { smallPartsWatch } from '../small-parts';
import { pasteSpec, pasteTarget, pasteWord, type PasteSpec } from '../paste-target';
import { withMissingDirectoryHint } from '../missing-directory-hint';
import { withFullRemoteHint } from '../remote-full';

/** What runPutParts takes from the command line. */
export interface PutPartsArgs extends SshArgs, ProtocolArgs {
  partSize: bigint;
  /** --part-size as typed (`1K`), for messages. */
  'part-size'?: string;
  parallel?: number;
  retries?: number;
  memory: number;
  spoolDir?: string;
  mode: number;
  'checksum-file'?: string;
  checksum?: boolean;
  'no-clobber'?: boolean;
  verify?: boolean;
  'remove-stale'?: boolean;
}

/** `-v`'s line for a confirmed part. */
function describePart(p: PartReport): string {
  const rate = p.ms > 0 ? ` (${(Number(p.size) / 1000 / p.ms).toFixed(0)} MB/s)` : '';
  const again = p.attempts > 1 ? `, attempt ${p.attempts}` : '';
  return `part ${p.index} ${escapeForTerminal(p.name)}: ${formatBytes(p.size)} over channel ${p.lane} in ${(p.ms / 1000).toFixed(2)} s${rate}${again}`;
}

/** Sends `input` as a parts set; the library's error says what was confirmed. */
export async function runPutParts(
  args: PutPartsArgs,
  spec: RemoteSpec,
  input: PutInput,
  signal: AbortSignal,
  log: ((line: string) => void) | undefined,
  empty: EmptyInputSource | undefined, // what to warn of if nothing came (undefined: an empty file was meant)
  fileSize?: bigint, // of a regular file or /dev/null on stdin
): Promise<void> {
  const sizeKnown = fileSize !== undefined;
  let parallel = args.parallel ?? DEFAULT_PARALLEL; // the parts at once, as the spool's room left them
  if (args.partSize > BigInt(Number.MAX_SAFE_INTEGER) || args.partSize < 1n) throw new ScpipeError('ERR_USAGE', `bad --part-size ${args.partSize}: give 1 byte to just under 8 PiB (8191T), e.g. 64M`);
  const progress = ProgressLine.wanted(args);
  const started = performance.now();
  const ramSpool = ramSpoolWarning(args.spoolDir, true, () => progress?.done());
  const small = smallPartsWatch(args.partSize, args['part-size'] ?? String(args.partSize), sizeKnown, (warning) => {
    progress?.done();
    say(warning);
  });
  try {
    const result = await put(connectOptions(spec, args, log), spec.path, input, {
      ...roleOptions(args, signal, log),
      partSize: args.partSize,
      protocol: protocolOf(args),
      parallel: args.parallel,
      retries: args.retries,
      memoryLimit: args.memory,
      spoolDir: args.spoolDir,
      inputSize: fileSize,
      mode: args.mode,
      noClobber: Boolean(args['no-clobber']),
      verify: Boolean(args.verify),
      onCommitted: transferCommitted,
      removeStale: Boolean(args['remove-stale']),
      ...staleSayers(say, progress),
      // --json counts the bytes and parts confirmed as they are, so a run cut short says how far it got.
      onProgress: tally((progress || small) && ((p) => {
        if (p.parts) small?.(p.parts.produced);
        progress?.update(p);
      })),
      onPart: (p) => {
        recordPartConfirmed();
        log?.(describePart(p));
      },
      onRetry: (e) => {
        recordRetry(e);
        progress?.done();
        sayRetry('file' in e ? e.file : spec.path, e);
      },
      onRefused: (left, message) => log?.(`${message}: going on with ${left} channel(s)`),
      onSpill: (spill) => {
        if ('part' in spill) log?.(`part ${spill.part}: over --memory, spooling to a file`);
        ramSpool?.(spill);
      },
      onSpoolShort: (short) => {
        parallel = short.fitted;
        progress?.done();
        say(spoolShortWarning(short));
      },
    });
    const parts = result.parts!;
    recordParts(parts);
    const seconds = (performance.now() - started) / 1000;
    log?.(
      `sent ${parts.bytes} bytes as ${parts.count} part(s) and ${escapeForTerminal(parts.dir + parts.manifestName)} ` +
        `in ${seconds.toFixed(2)} s (${(Number(parts.bytes) / 1e6 / Math.max(seconds, 0.001)).toFixed(0)} MB/s) over ${parts.lanes} ${parts.protocol === 'sftp' ? 'SFTP ' : ''}channel(s); sha256 ${parts.sha256}`,
    );
    recordStored();
    if (args['checksum-file'] !== undefined) await writeChecksumFile(args['checksum-file'], parts.sha256, result.name);
    progress?.done();
    sayChecksums(args, [{ sha256: parts.sha256, name: result.name }]);
    if (parts.bytes === 0n && empty !== undefined) sayEmptyInput(`the set ${escapeForTerminal(parts.dir + parts.name)} as one empty part`, empty);
    if (parts.shadowed) say(shadowWarning(pasteSpec(spec, args), parts.dir + parts.name));
    if (parts.staleAfter !== undefined) say(staleWarning(pasteSpec(spec, args), parts.dir, parts.name, parts.staleAfter));
  } catch (err) {
    progress?.done();
    recordStoredAfterSignal(err);
    await writeStoredAfterSignal(args, err);
    const pasted = pasteSpec(spec, args);
    throw withMissingDirectoryHint(withFullRemoteHint(withPartsSpoolFullHint(err, 'put', undefined, parallel), pasted), pasted);
  } finally {
    progress?.done();
  }
}

/** The warning for a spool directory with room for fewer parts at once than --parallel asked, or not even one: a put's, or a get's of a set. */
export function spoolShortWarning(s: SpoolShort, role: 'put' | 'get' = 'put'): string {
  // put --verify reads the set back as get fetches it: the part size is set by then.
  const sending = role === 'put' && !s.readBack;
  const remedy = sending ? '--spool-dir or TMPDIR with room, a smaller --part-size, or more --memory' : '--spool-dir or TMPDIR with room, or more --memory';
  const going = sending ? 'sending' : s.readBack ? 'reading the set back (--verify)' : 'fetching';
  const sets = s.sets > 1 ? ` (for the ${s.sets} parts sets at once)` : '';
  const head = `warning: the spool directory ${escapeForTerminal(s.dir)} has ${formatBytes(s.free)} free, and --parallel ${s.parallel} may hold up to ${formatBytes(s.need)} of parts there${sets}`;
  if (s.fittedNeed <= s.free) return `${head}: ${going} with --parallel ${s.fitted} (for ${s.parallel}: ${remedy})`;
  const fails = sending ? 'a stream that outgrows the room fails when the spool fills' : s.readBack ? 'the read-back fails if the spool fills' : 'the run fails if the spool fills';
  return `${head}, --parallel 1 up to ${formatBytes(s.fittedNeed)}: ${going} with --parallel 1, and ${fails} (${remedy})`;
}

/** The warning for a parts set stored beside a plain file of its name, which `get NAME` returns instead. */
export function shadowWarning(spec: PasteSpec, path: string): string {
  const target = pasteTarget(spec, path);
  return `warning: ${escapeForTerminal(path)} is also a plain file, and \`scpipe get ${target}\` returns that file, not this set: \`scpipe get --parts ${target}\` returns the set (or remove the plain file)`;
}

/**
 * The warning for parts an earlier, longer set of this name left past this
 * set's last, with the command that frees one where nothing can be removed.
 */
export function staleWarning(spec: PasteSpec, dir: string, name: string, first: string): string {
  const empty = `scpipe put -O --size 0 ${pasteTarget(spec, dir + first)} < /dev/null`;
  return (
    `warning: ${escapeForTerminal(dir + first)} (and maybe more after it) is left from an earlier, longer set of this name: ` +
    `\`scpipe get\` and the manifest leave it out, but \`cat ${pasteWord(name)}.[0-9]*\` would add it, and it takes space ` +
    `(remove it and those after it, or on an scp-only host store an empty file over each: \`${empty}\`)`
  );
}
