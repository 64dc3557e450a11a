// What pass 1 is told: the RAM limit, where to spill, abort and progress.
import * as fsp from '../fs/byte-fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { escapeForTerminal } from '../util/escape';
import { ScpipeError } from '../errors';
import { NO_INODES, outOfInodes } from './no-inodes';
import { strerror } from '../fs/strerror';

/** Bytes kept in RAM before spilling to disk when SpoolOptions.memoryLimit is not given (64 MiB). */
export const DEFAULT_MEMORY_LIMIT = 64 * 1024 * 1024;

/** How spool() takes its input. */
export interface SpoolOptions {
  /**
   * Bytes kept in RAM before spilling to a file (default DEFAULT_MEMORY_LIMIT).
   * Exactly this many stay in RAM; one more spills. 0 = always spill (an empty
   * input never creates a file).
   */
  memoryLimit?: number;
  /** Directory for the spool file; default `process.env.TMPDIR || os.tmpdir()`. */
  spoolDir?: string;
  /**
   * For a DescriptorInput: where the RAM part beyond its first 8 MiB is kept,
   * as an unlinked file on a RAM file system (memory-file.ts). Default
   * `/dev/shm` on Linux when it is a tmpfs with room for the whole limit;
   * `false` keeps it all in the process's memory.
   */
  memoryDir?: string | false;
  /** Called when the spool moves on to a file: see Spill. For `-v`. */
  onSpill?: (spill: Spill) => void;
  /** Aborts the spooling: spool() then rejects with abortError(signal). */
  signal?: AbortSignal;
  /** Bytes taken so far; called at most every ~100 ms, and once at the end. */
  onProgress?: (bytes: bigint) => void;
}

/** The file a spool goes on in: the memory file, or the spool file on disk. */
export type SpillTarget = 'memory' | 'disk';

/**
 * The spool went on in a file when it had taken `bytes` bytes: a memory
 * file on a RAM file system ('memory', past the first 8 MiB of a
 * DescriptorInput), or the spool file on disk ('disk': over the memory
 * limit, or the memory file's file system was full or refused the file).
 * `dir` is where the file is.
 */
export interface Spill {
  to: SpillTarget;
  dir: string;
  bytes: number;
}

/** The memory limit to use; ERR_USAGE when it is not a whole number of bytes >= 0. */
export function checkMemoryLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_MEMORY_LIMIT;
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 0) {
    throw new ScpipeError('ERR_USAGE', `bad spool memory limit: ${String(limit)}`);
  }
  return limit;
}

/** The spool directory to use: `dir`, else $TMPDIR, else the system's. */
export function spoolDirectory(dir: string | undefined): string {
  return dir ?? (process.env['TMPDIR'] || os.tmpdir());
}

/**
 * Checks that `dir` is a directory this process can create files in, so a
 * bad --spool-dir fails at start (ERR_USAGE) rather than when a stream first
 * outgrows memory, after the connection and maybe much of the input.
 */
export async function checkSpoolDirectory(dir: string): Promise<void> {
  const why = await spoolDirectoryProblem(dir);
  if (why !== undefined) throw new ScpipeError('ERR_USAGE', `bad --spool-dir "${escapeForTerminal(dir)}": ${why}`, { path: dir });
}

/** Why no spool file can be made in `dir` ("Not a directory", "cannot create files there (Read-only file system)"), or undefined when one can. */
export async function spoolDirectoryProblem(dir: string): Promise<string | undefined> {
  const st = await fsp.stat(dir).catch((err: unknown) => strerror(err));
  if (typeof st === 'string') return st;
  if (!st.isDirectory()) return 'Not a directory';
  // A probe, not access(): root passes access(W_OK) on a read-only mount.
  const probe = await fsp.mkdtemp(path.join(dir, '.scpipe-probe-')).catch((err: NodeJS.ErrnoException) => ({ err }));
  if (typeof probe !== 'string') {
    return `cannot create files there${probe.err.code === 'ENOSPC' && outOfInodes(dir) ? `: ${NO_INODES}` : ` (${strerror(probe.err)})`}`;
  }
  await fsp.rmdir(probe);
  return undefined;
}
