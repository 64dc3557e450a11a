// The options of a parts upload and their checks.
import { ScpipeError } from '../../errors';
import { checkCounts } from '../counts';
import type { RemoteCommandOptions } from '../../protocol/command';
import type { RetryEvent } from '../retry';
import { partName } from './names';
import type { Protocol } from '../protocol-choice';
import type { PartReport, PartsProgress } from './put-parts-types';
import type { Spill } from '../../spool/options';
import type { SpoolShort } from './spool-room';
import type { StaleTempOptions } from '../stale-temp-options';

/**
 * Parts sent at once when not told. At 20 ms one OpenSSH channel carries
 * ~2 MiB per round trip; four allow more than two cores send, and eight
 * gained nothing measurable for nearly twice the spool (docs/performance.md §2).
 */
export const DEFAULT_PARALLEL = 4;
export { MAX_PARALLEL } from '../counts';

/** Options of put() that apply to parts. */
export interface PartsOptions extends RemoteCommandOptions, StaleTempOptions {
  /** Bytes per part (the last one shorter). */
  partSize: number | bigint;
  /** Parts sent at once, each over its own channel (default DEFAULT_PARALLEL). */
  parallel?: number;
  /** Resends after a lost connection (default retry.ts DEFAULT_RETRIES; 0: none). */
  retries?: number;
  /** Waits before the retries (retry.ts DEFAULT_BACKOFF_MS). */
  backoffMs?: readonly number[];
  /** RAM shared by all parts held before they go to files (default 64 MiB). */
  memoryLimit?: number;
  spoolDir?: string;
  /** Mode of the parts and the manifest (default 0o644). */
  mode?: number;
  signal?: AbortSignal;
  trace?: (line: string) => void;
  onStderrLine?: (line: string) => void;
  onProgress?: (p: PartsProgress) => void;
  /** Each part once the remote confirmed it. */
  onPart?: (part: PartReport) => void;
  /** Told once the manifest is stored, before any abort: the set is complete (PutOptions.onCommitted). */
  onCommitted?: () => void;
  onRetry?: (event: RetryEvent & { file: string }) => void;
  onRefused?: (lanesLeft: number, message: string) => void;
  /** A part went on in a spool file (`bytes`: of that part, when it did). */
  onSpill?: (spill: PartSpill) => void;
  /** At the start: the spool directory has room for fewer parts at once than `parallel`, and the run goes on with `fitted` (spool-room.ts). */
  onSpoolShort?: (short: SpoolShort) => void;
  /** Parts sets spooling into the same directory at once (putMany's targets): each counts on its share of the room. */
  spoolSharedBy?: number;
  /** The input's length where known (a regular file): the start check counts no more room than it needs. */
  inputSize?: bigint;
  /** `auto` (default) and `scp`: parts through `scp -t`, and under `auto` over SFTP where the host allows only that; `sftp`: over SFTP. */
  protocol?: Protocol;
  /** Told the protocol the parts go over (again if the run turns to SFTP). */
  onProtocol?: (protocol: 'scp' | 'sftp') => void;
  /** Never replace a remote file: ERR_EXISTS before any part goes when the set, NAME or its first part is there (scp-exists.ts). */
  noClobber?: boolean;
  /** The most parts to make (tests; default manifest.ts MAX_PARTS, what get reads). */
  maxParts?: number;
  /** The manifest's time (tests). */
  now?: () => Date;
}

/** Checked part size and parallelism; ERR_USAGE otherwise. */
export function checkPartsOptions(opts: PartsOptions): { partSize: number; parallel: number } {
  const partSize = Number(opts.partSize);
  if (!Number.isSafeInteger(partSize) || partSize < 1) throw new ScpipeError('ERR_USAGE', `bad part size: ${String(opts.partSize)}`);
  checkCounts(opts);
  return { partSize, parallel: opts.parallel ?? DEFAULT_PARALLEL };
}

/** Part indices as names in ranges: "NAME.000000-NAME.000004, NAME.000006". */
export function describeIndices(name: string, indices: readonly number[]): string {
  const sorted = [...indices].sort((a, b) => a - b);
  const ranges: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    ranges.push(i === j ? partName(name, sorted[i]!) : `${partName(name, sorted[i]!)}..${partName(name, sorted[j]!)}`);
    i = j + 1;
  }
  return ranges.join(', ');
}

/** A part that went on in a spool file in `dir`, past the memory budget. */
export type PartSpill = Spill & { part: number };
