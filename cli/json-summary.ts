// --json: one JSON object describing the run, written when it ends, whether
// it succeeded or not (docs/json.md has the schema). put and cp write it to
// stdout; get writes it to stderr, as its stdout carries the data. It
// changes no exit status. The commands tell the recorder what they learn
// (bytes, checksum, parts, retries) as they go; the context finishes it.
import type { Argv } from 'yargs';
import { ScpipeError, isScpipeError, type PartsResult, type Progress } from '../lib';
import { strerror } from '../lib/internal';
import { looksClosed } from './stdout';
import { FileTally } from './file-tally';
import { SummaryRecorder, type JsonSummary, type Protocol, type SummaryOut } from './json-summary-recorder';
import { oneStream } from './file-stream';

let active: SummaryRecorder | undefined;

/** Starts the run's recorder (with --json). */
function startSummary(command: JsonSummary['command'], destinations: string[], out: SummaryOut, remotes?: string[]): SummaryRecorder {
  active = new SummaryRecorder(command, destinations, out, remotes);
  return active;
}

/**
 * Moves the summary off `stream`, which carries the file `shown` (get --output /dev/stdout where that is a socket);
 * ERR_USAGE where stdout and stderr are one stream, as there is no other to move it to.
 */
export function summaryOff(stream: NodeJS.WriteStream, shown: string): void {
  if (active === undefined) return;
  if (oneStream()) {
    active = undefined; // refused: no summary either, as it would go into the one stream the file's reader reads
    throw new ScpipeError('ERR_USAGE', `stdout and stderr are one stream here, which carries the file (${shown}): --json would write its summary into the file's bytes; give stderr a stream of its own (2>FILE), or leave --json out`);
  }
  active.moveOff(stream);
}

/** The run's recorder, if --json was given. */
export function summary(): SummaryRecorder | undefined {
  return active;
}

/**
 * Ends the run's summary (once). Resolves to the error of a summary that
 * could not be written: a script reading it would find nothing, so that is
 * a failure of the run, as sha256sum's "write error" is.
 */
export async function finishSummary(err: unknown, exitStatus: number): Promise<ScpipeError | undefined> {
  const recorder = active;
  active = undefined;
  try {
    await recorder?.finish(err, exitStatus);
    return undefined;
  } catch (e) {
    return new ScpipeError('ERR_LOCAL_IO', `the --json summary could not be written: ${strerror(e)}`, { cause: e });
  }
}

/**
 * Ends the run's summary at once, where the process exits without waiting
 * (a second signal, a server that does not answer the clean-up): stdout and
 * stderr write synchronously to pipes and files, so it is out before the exit.
 */
export function finishSummaryBeforeExit(err: unknown, exitStatus: number): void {
  const recorder = active;
  active = undefined;
  recorder?.finish(err, exitStatus).catch(() => undefined); // the exit follows: nothing else to tell
}

/** Adds --json to a command (put, get, cp). */
export function withJsonOption<T>(y: Argv<T>): Argv<T & { json?: boolean }> {
  return y.option('json', { type: 'boolean', default: false, describe: 'when done, one JSON summary (stdout; get: stderr; docs/json.md)' }) as unknown as Argv<T & { json?: boolean }>;
}

/**
 * With --json, starts the run's summary: `get` writes it to stderr, as its stdout is the data.
 * `remotes`: the remote operands, where they are not the destinations (cp's sources).
 */
export function summaryIfAsked(args: { json?: boolean }, command: JsonSummary['command'], destinations: string[], remotes?: string[]): void {
  if (!args.json) return;
  // get, and cp to '-': stdout carries the data.
  const toStderr = command === 'get' || destinations[0] === '-';
  startSummary(command, destinations, toStderr ? process.stderr : process.stdout, remotes);
  closedSummaryStream = looksClosed(toStderr ? 2 : 1) ? (toStderr ? 'stderr' : 'stdout') : undefined;
}

let closedSummaryStream: 'stdout' | 'stderr' | undefined;

/**
 * Throws ERR_USAGE, before anything starts, when the summary's stream was
 * closed (`put --json >&-`): Node puts /dev/null there, so the summary would
 * go nowhere with exit 0, as `--checksum-file -` would (refused likewise).
 */
export function refuseClosedSummary(): void {
  const stream = closedSummaryStream;
  closedSummaryStream = undefined;
  if (stream === undefined) return;
  throw new ScpipeError('ERR_USAGE', `${stream} is closed (or /dev/null opened read-write, which is what a closed ${stream} becomes): --json would write the summary nowhere; give it a pipe or a file`, { path: stream });
}

/**
 * Wraps a progress callback so the summary counts the bytes moved: each
 * file's, as the updates of files in flight together interleave (cp over SFTP).
 */
export function tally(fn?: (p: Progress) => void): ((p: Progress) => void) | undefined {
  const recorder = active;
  if (!recorder) return fn;
  const files = new FileTally(true);
  return (p) => {
    if (p.phase === 'transfer') recorder.progress(files.add(p));
    fn?.(p);
  };
}

/** A parts set's facts for the summary: bytes, its SHA-256, parts. */
export function recordParts(parts: PartsResult): void {
  if (!active) return;
  active.progress(parts.bytes);
  active.sha256 = parts.sha256;
  active.parts = parts.count;
}

/** put of a parts set: one more part confirmed (the run's count until it ends). */
export function recordPartConfirmed(): void {
  if (active) active.parts += 1;
}

/** put of a parts set to several targets: `count` confirmed on one of them (the furthest counts, as for bytes). */
export function recordPartsConfirmedOn(count: number): void {
  if (active && count > active.parts) active.parts = count;
}

/** get of a parts set: one more part written out (the count if the run fails). */
export function recordPartFetched(): void {
  if (active) active.parts += 1;
}

/** put to several targets: whether each one failed (the others succeeded). */
export function recordFailedTargets(failed: boolean[]): void {
  if (active) active.failedTargets = failed;
}

/** Every destination's copy is stored: a later failure (--checksum-file's write) fails the run, not a copy. */
export function recordStored(): void {
  if (active) active.failedTargets ??= active.destinations.map(() => false);
}

/** An upload stopped by a signal that the server stored whole all the same: its copy is not among the failed. */
export function recordStoredAfterSignal(err: unknown): void {
  if (isScpipeError(err, 'ERR_ABORTED') && err.stored === true) recordStored();
}

/** The stream's SHA-256, where it was computed. */
export function recordSha256(hex: string): void {
  if (active) active.sha256 = hex;
}

/** The protocol destination `target` (put to several) chose; for one destination, the last chosen. */
export function recordProtocol(protocol: Protocol, target = 0): void {
  if (active && target < active.protocols.length) active.protocols[target] = protocol;
}

/**
 * One more retry (counted as they happen, so a failed run reports them too):
 * a script reads `retries` as reconnections, so the parts in flight on one lost
 * connection count once.
 */
export function recordRetry(event?: { sharedReconnection?: boolean }): void {
  if (active && !event?.sharedReconnection) active.retries += 1;
}
