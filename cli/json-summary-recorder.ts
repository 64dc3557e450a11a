// The --json summary of one run (docs/json.md): what the commands tell it as
// they go, and the object it writes when the run ends (json-summary.ts keeps
// the run's one recorder).
import { performance } from 'node:perf_hooks';
import { ScpipeError } from '../lib';
import { writeWhole, type WholeOut } from './stdout';
import { jsonError, terminalSafeJson, type JsonError } from './json-error';

/** The object --json writes (docs/json.md). */
export interface JsonSummary {
  scpipe_json: 1;
  command: 'put' | 'get' | 'cp';
  ok: boolean;
  exit_status: number;
  destinations: string[];
  failed: string[];
  protocol: Protocol;
  protocols: (Protocol | null)[];
  bytes: number;
  sha256: string | null;
  parts: number;
  retries: number;
  duration_s: number;
  error: JsonError | null;
}

export type Protocol = 'scp' | 'sftp';

/** Where the summary goes: stdout, or stderr for get. */
export type SummaryOut = WholeOut;

/** Collects what a run did, for its summary. */
export class SummaryRecorder {
  private readonly started = performance.now();
  /** Each destination's protocol, once chosen (cp and get: the last one chosen). */
  readonly protocols: (Protocol | null)[];
  bytes = 0n;
  sha256: string | null = null;
  parts = 0;
  retries = 0;
  /** put to several targets: whether each one's copy failed. */
  failedTargets: boolean[] | undefined;

  constructor(
    readonly command: JsonSummary['command'],
    readonly destinations: string[],
    private out: SummaryOut,
    /** The remote operands, one for each of `destinations` (put, get), or those of cp's remote side. */
    private readonly remotes: readonly string[] = destinations,
  ) {
    this.protocols = destinations.map(() => null);
  }

  /** Writes to the other of stdout and stderr where the summary would go to `stream`. */
  moveOff(stream: NodeJS.WriteStream): void {
    if (this.out === stream) this.out = stream === process.stdout ? process.stderr : process.stdout;
  }

  /** Bytes moved so far (progress): the summary keeps the largest count seen. */
  progress(bytes: bigint): void {
    if (bytes > this.bytes) this.bytes = bytes;
  }

  /** The summary for an end with `err` (undefined: success) and the exit status. */
  summary(err: unknown, exitStatus: number): JsonSummary {
    const failed = err !== undefined;
    if (err instanceof ScpipeError && err.bytes !== undefined) this.progress(BigInt(err.bytes));
    const failedEach = this.failedTargets ?? this.destinations.map(() => failed || exitStatus !== 0);
    return {
      scpipe_json: 1,
      command: this.command,
      ok: !failed && exitStatus === 0,
      exit_status: exitStatus,
      destinations: this.destinations,
      failed: this.destinations.filter((_, i) => failedEach[i]),
      protocol: overallProtocol(this.protocols, failedEach),
      protocols: [...this.protocols],
      bytes: Number(this.bytes),
      // A sum that differs is still the stream's sum: the message names it.
      sha256: this.sha256 ?? (err instanceof ScpipeError ? err.sha256 ?? null : null),
      parts: this.parts,
      retries: this.retries,
      duration_s: Math.round(performance.now() - this.started) / 1000,
      error: failed ? jsonError(err, this.failedRemotes(failedEach)) : null,
    };
  }

  /** Writes the summary as one line of JSON; rejects with the write's error (a full disk, a reader gone). */
  finish(err: unknown, exitStatus: number): Promise<void> {
    return writeWhole(this.out, `${terminalSafeJson(this.summary(err, exitStatus))}\n`);
  }

  // The remote operands of the destinations that failed (put to several), else all of them.
  private failedRemotes(failedEach: readonly boolean[]): readonly string[] {
    return this.remotes.length === this.destinations.length ? this.remotes.filter((_, i) => failedEach[i]) : this.remotes;
  }
}

// sftp only where every destination that stored the stream used it; where
// none did, every one that chose a protocol before it failed; else scp.
function overallProtocol(protocols: readonly (Protocol | null)[], failed: readonly boolean[]): Protocol {
  const stored = protocols.filter((p, i) => p !== null && !failed[i]);
  const chosen = stored.length > 0 ? stored : protocols.filter((p) => p !== null);
  return chosen.length > 0 && chosen.every((p) => p === 'sftp') ? 'sftp' : 'scp';
}
