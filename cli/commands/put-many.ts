// `scpipe put [options] host:path host:path... [-- COMMAND]`: one stream to
// several destinations at once, read once (lib putMany()). Each destination
// is said on its own: -v lines and retries carry its name, a failure is one
// `scpipe: DEST: message` line as soon as it fails, and the others go on.
// The exit status is the first failed destination's (0 when all succeeded).
// The progress line shows every destination (multi-progress.ts).
import { DEFAULT_PARALLEL, ScpipeError, abortError, escapeForTerminal, isScpipeError, putMany, type DestinationOutcome, type PutResult, type RemoteSpec } from '../../lib';
import type { Readable } from 'node:stream';
import { InputCommand } from '../input-command';
import { recordFailedTargets, recordParts, recordPartsConfirmedOn, recordProtocol, recordRetry, recordSha256, summary } from '../json-summary';
import { AlreadyReported, say, sayEmptyInput, sayFailure, sayFoundRenamed, sayRetry } from '../report';
import { failureCaught, transfersCommitted } from '../signals';
import { withSpoolFullHint } from '../spool-full';
import { withFullRemoteHint } from '../remote-full';
import { withMissingDirectoryHint } from '../missing-directory-hint';
import { ramSpoolWarning, unusableSpoolWarning } from '../ram-spool';
import { protocolOf } from '../protocol-option';
import { connectOptions, remoteArg, roleOptions } from '../ssh-options';
import { MultiProgressLine } from '../multi-progress';
import { emptyInputSource, openStdin, type StdinInput } from '../stdin';
import { sayChecksums, storedAfterSignal, writeChecksumLines } from '../checksums';
import { checkPutArgs, checkTargetName, putOptions, type PutLikeArgs } from './put-args';
import { shadowWarning, spoolShortWarning, staleWarning } from './put-parts';
import { staleFound, staleKept, staleRefused, staleRemoved, tempKept } from '../stale-lines';
import { smallPartsWatch } from '../small-parts';
import { pasteSpec } from '../paste-target';
import { refuseNewlineOverScp } from '../scp-newline';

/** Streams stdin (or COMMAND's output) to every target; see the file comment. */
export async function runPutMany(args: PutLikeArgs, targetArgs: readonly string[], signal: AbortSignal, log?: (line: string) => void, command?: readonly string[]): Promise<void> {
  const specs: RemoteSpec[] = targetArgs.map((t) => remoteArg(t, 'put'));
  refuseNewlineOverScp(targetArgs, args); // as for one target: before the command runs or we connect
  const pasted = specs.map((spec) => pasteSpec(spec, args)); // for the commands its messages give to paste
  for (const spec of specs) checkTargetName(spec.path, args);
  const checked = await checkPutArgs(args); // before the command runs or we connect
  const shown = targetArgs.map((t) => escapeForTerminal(t));
  const logFor = (i: number): ((line: string) => void) | undefined => log && ((line) => log(`${shown[i]}: ${line}`));
  const producer = command && new InputCommand(command, signal);
  // A stream (openStdin(true) never gives a descriptor): the branches are read in this thread.
  const piped = producer ? undefined : (openStdin(true) as StdinInput & { input: Readable });
  const stdin = piped ?? { input: producer!.input, fileSize: undefined };
  // As for one target, said at start: the SCP targets' spool goes there.
  if (args['spool-dir'] === undefined && checked.size === undefined && stdin.fileSize === undefined) {
    const protocol = protocolOf(args);
    if (checked.partSize !== undefined) (await unusableSpoolWarning(checked.memory, { partSize: checked.partSize, parallel: args.parallel ?? DEFAULT_PARALLEL }, specs.length))();
    else if (protocol !== 'sftp') (await unusableSpoolWarning(checked.memory, { protocol }))(); // one spool for all
  }
  const started = performance.now();
  const progress = MultiProgressLine.wanted(args, progressLabels(specs, shown));
  const ramSpool = ramSpoolWarning(args['spool-dir'], checked.partSize !== undefined, () => progress?.done());
  const small = checked.partSize === undefined ? undefined : smallPartsWatch(checked.partSize, args['part-size']!, stdin.fileSize !== undefined, (warning) => {
    progress?.done();
    say(warning);
  });
  const confirmed = specs.map(() => 0); // parts each target's remote confirmed
  const said = new Set<number>();
  const spoolFailures = new Map<unknown, number>();
  // A failure is said when it happens (the others may go on for hours), unless
  // it is one said once at the end: a signal, or the producer failing every target.
  const sayTargetFailure = (i: number, error: unknown): void => {
    if (said.has(i) || signal.aborted || (producer?.failure !== undefined && (error as Error).message === producer.failure.message)) return;
    said.add(i);
    progress?.done();
    // The SCP targets' one spool failing (a full disk) fails each of them with the same error: said in full once.
    const first = spoolFailures.get(error);
    if (first !== undefined) return say(`${escapeForTerminal(targetArgs[i]!)}: the same spool failure as ${escapeForTerminal(targetArgs[first]!)}`);
    if (isScpipeError(error, 'ERR_SPOOL')) spoolFailures.set(error, i);
    // The spool hint is a single file's (a parts set says its spool in its own words); a full remote disk's command is for both.
    const hinted = withFullRemoteHint(checked.partSize === undefined ? withSpoolFullHint(error) : error, pasted[i]!);
    sayFailure(withMissingDirectoryHint(hinted, pasted[i]!), (message) => withTarget(targetArgs[i]!, specs[i]!.path, message));
  };
  let spoolShortSaid = false;
  let readBackShortSaid = false;
  const committed = transfersCommitted(specs.length); // exit 0 only once every target is stored
  try {
    const outcomes = await putMany(
      specs.map((spec, i) => ({ target: connectOptions(spec, args, logFor(i)), remotePath: spec.path })),
      stdin.input,
      (i) => ({
        ...putOptions(args, checked, stdin),
        // --memory is the run's: the SCP targets of a single file share one spool, which has it all;
        // each parts set keeps parts of its own, so eight of them held eight times --memory in RAM.
        memoryLimit: checked.partSize === undefined ? checked.memory : Math.floor(checked.memory / specs.length),
        ...roleOptions(args, signal, logFor(i)),
        onCommitted: committed,
        partSize: checked.partSize,
        // Every set spools into the one directory: said once, as each fits the same share of its room.
        spoolSharedBy: specs.length,
        inputSize: stdin.fileSize,
        onSpoolShort: (short) => {
          // The upload's warning, then the read-back's (--verify), each once.
          if (short.readBack ? readBackShortSaid : spoolShortSaid) return;
          if (short.readBack) readBackShortSaid = true;
          else spoolShortSaid = true;
          progress?.done();
          say(spoolShortWarning(short));
        },
        onProtocol: (chosen) => recordProtocol(chosen, i),
        onStaleRemoved: (path) => {
          progress?.done();
          say(`${shown[i]}: ${staleRemoved(path)}`);
        },
        onStaleKept: (path, ageS) => {
          progress?.done();
          say(`${shown[i]}: ${staleKept(path, ageS)}`);
        },
        onStaleRefused: (_path, reason, left) => {
          progress?.done();
          say(`${shown[i]}: ${staleRefused(reason, left)}`);
        },
        onStaleFound: (path, ageS, bytes) => {
          progress?.done();
          say(`${shown[i]}: ${staleFound(path, ageS, bytes)}`);
        },
        onTempKept: (path, error) => {
          progress?.done();
          say(`${shown[i]}: ${tempKept(path, error)}`);
        },
        onFoundRenamed: (path, bytes) => {
          progress?.done();
          sayFoundRenamed(path, bytes);
        },
        onRetry: (e) => {
          recordRetry(e);
          progress?.done();
          sayRetry(`${targetArgs[i]}${'file' in e ? ` (${String(e.file)})` : ''}`, e);
        },
        onProgress: (summary() || progress || small) && ((p) => {
          // --json: as far as the furthest target got, so a run cut short says how far (a success, what was stored).
          if (p.phase === 'transfer') summary()?.progress(p.bytes);
          if (p.parts) small?.(p.parts.produced);
          progress?.update(i, p);
        }),
        onSpill: ramSpool,
        // --json: the parts of the furthest target, so a run cut short says how far, as one target's does.
        onPart: summary() && (() => recordPartsConfirmedOn(++confirmed[i]!)),
      }),
      (i, outcome) => {
        progress?.settled(i, outcome.ok);
        if (!outcome.ok) sayTargetFailure(i, outcome.error);
      },
    );
    progress?.done();
    const done: PutResult[] = [];
    let first: unknown;
    const failure = producer?.failure;
    const byProducer = (o: DestinationOutcome): boolean => !o.ok && failure !== undefined && (o.error as Error).message === failure.message;
    if (failure !== undefined && outcomes.every(byProducer)) {
      // The producer failed every target the same way: said once, as for one target.
      throw new ScpipeError('ERR_LOCAL_IO', `${failure.message}; nothing was stored`, { cause: failure });
    }
    // --checksum-file / --checksum for the targets that stored the whole stream (also those done before a signal).
    // And those the server stored all the same as the signal came (storedAfterSignal).
    const stored = outcomes.flatMap((o): { sha256?: string; name: string }[] => {
      const after = o.ok ? o.result : storedAfterSignal(o.error);
      return after ? [after] : [];
    });
    const writeSums = async (): Promise<void> => {
      const sum = stored.find((r) => r.sha256 !== undefined)?.sha256;
      if (sum === undefined) return;
      recordSha256(sum);
      if (args['checksum-file'] !== undefined) await writeChecksumLines(args['checksum-file'], sum, stored.map((r) => r.name));
      progress?.done();
      sayChecksums(args, [...new Set(stored.map((r) => r.name))].map((name) => ({ sha256: sum, name })));
    };
    if (signal.aborted) {
      // SIGINT/SIGTERM: said once, whichever target failed first for another reason.
      const stopped = outcomes.find((o) => !o.ok && isScpipeError(o.error, 'ERR_ABORTED'));
      if (stopped && !stopped.ok) {
        await writeSums().catch((err: unknown) => sayFailure(err)); // the signal's status stands
        // But what each target was left with (a file cut short, a set without
        // its manifest) is said for every one: a cut-short SCP file has the
        // target's name and would otherwise pass for a whole one.
        const bare = abortError(signal).message;
        const news = outcomes.flatMap((o, i) => (!o.ok && !said.has(i) && (o.error as Error).message !== bare ? [i] : []));
        // A target that stored the whole stream first is said too: "interrupted" alone reads as "nothing landed".
        const whole = outcomes.flatMap((o, i) => (o.ok ? [i] : []));
        if (news.length === 0 && whole.length === 0) throw stopped.error;
        for (const i of whole) say(`${shown[i]}: stored whole before the signal`);
        if (news.length === 0) sayFailure(stopped.error);
        for (const i of news) sayFailure((outcomes[i] as { error: unknown }).error, (message) => withTarget(targetArgs[i]!, specs[i]!.path, message));
        // --json: one stored whole is not among the failed, nor one the server stored as the signal came.
        recordFailedTargets(outcomes.map((o) => !o.ok && !(isScpipeError(o.error, 'ERR_ABORTED') && o.error.stored === true)));
        throw new AlreadyReported(stopped.error);
      }
    }
    outcomes.forEach((outcome, i) => {
      if (outcome.ok) {
        done.push(outcome.result);
        summary()?.progress(outcome.result.bytes);
        recordProtocol(outcome.result.protocol, i);
        log?.(`${shown[i]}: sent ${outcome.result.bytes} bytes over ${outcome.result.protocol} in ${((performance.now() - started) / 1000).toFixed(2)} s`);
        const set = outcome.result.parts;
        if (set?.shadowed) say(`${escapeForTerminal(targetArgs[i]!)}: ${shadowWarning(pasted[i]!, set.dir + set.name)}`);
        if (set?.staleAfter !== undefined) say(`${escapeForTerminal(targetArgs[i]!)}: ${staleWarning(pasted[i]!, set.dir, set.name, set.staleAfter)}`);
      } else {
        first ??= outcome.error;
        sayTargetFailure(i, outcome.error);
      }
    });
    // Targets the producer failed, beside others that failed for reasons of their own: one line
    // each, "TARGET: …" as every other target's, so a script reading per-target lines finds them all.
    outcomes.forEach((o, i) => {
      if (byProducer(o)) say(`${shown[i]}: ${failure!.message}; nothing was stored`);
    });
    const empty = emptyInputSource(piped, checked.size !== undefined);
    if (done.length > 0 && done[0]!.bytes === 0n && empty !== undefined) {
      sayEmptyInput(`an empty file on ${targetArgs.filter((_, i) => outcomes[i]!.ok).map((t) => escapeForTerminal(t)).join(', ')}`, empty);
    }
    recordFailedTargets(outcomes.map((o) => !o.ok));
    const parts = done.find((r) => r.parts !== undefined)?.parts;
    if (parts !== undefined) recordParts(parts);
    await writeSums();
    if (first !== undefined) throw new AlreadyReported(first);
  } catch (err) {
    failureCaught(err instanceof AlreadyReported ? err.error : err); // the stop below may wait 2 s, and a second signal not
    throw err;
  } finally {
    progress?.done();
    await producer?.stop();
  }
}

// Each target's name on the progress line: its host, else user@host, else the whole target, whichever tells them apart.
function progressLabels(specs: readonly RemoteSpec[], shown: readonly string[]): string[] {
  const distinct = (labels: string[]): boolean => new Set(labels).size === labels.length;
  const hosts = specs.map((s) => escapeForTerminal(s.host));
  if (distinct(hosts)) return hosts;
  const logins = specs.map((s, i) => (s.user === undefined ? hosts[i]! : `${escapeForTerminal(s.user)}@${hosts[i]!}`));
  return distinct(logins) ? logins : [...shown];
}

// "user@host:PATH: message", the path said once when the message starts with it.
function withTarget(target: string, path: string, message: string): string {
  const shownPath = escapeForTerminal(path);
  if (message.startsWith(`${shownPath}: `)) return `${escapeForTerminal(target.slice(0, target.length - path.length))}${message}`;
  return `${escapeForTerminal(target)}: ${message}`;
}
