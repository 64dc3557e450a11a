// The types of put(): what it sends, how (PutOptions), and what it did.
import { Readable } from 'node:stream';
import type { ExitStatus } from '../protocol/channel';
import type { RemoteCommandOptions } from '../protocol/command';
import type { RoleOptions } from '../protocol/source-types';
import type { Times } from '../protocol/records';
import { DescriptorInput, type Spill } from '../spool';
import { ScpipeError } from '../errors';
import type { Progress } from './progress';
import type { Protocol } from './protocol-choice';
import type { RetryEvent } from './retry';
import type { StaleTempOptions } from './stale-temp-options';
import type { PartsResult } from './parts/put-parts-types';

/**
 * An open file descriptor, read to its end: `{ fd: 0 }` for stdin. It is
 * spooled by a worker thread, the fastest way to take a pipe; it cannot go
 * with `size`. With `partSize`, a pipe on stdin is read into memory each
 * part gives back once done with it. Create `process.stdin` first and leave it
 * paused: that makes a pipe non-blocking, so an abort does not wait for the
 * producer's next byte.
 */
export interface DescriptorSource {
  readonly fd: number;
}

/**
 * Anything put() can send. A Uint8Array has a known size and is never
 * spooled; a DescriptorSource is spooled by a worker thread.
 */
export type PutInput = Readable | AsyncIterable<Uint8Array> | Uint8Array | DescriptorSource;

// The spool's own tag for a descriptor (DescriptorInput) in place of a DescriptorSource.
// Also where a JavaScript caller's slips are refused before anything starts:
// a string (or nothing) to send, a `size` that is a number, which broke
// the SCP data phase after the remote file was opened (and so emptied), or a mode no file has.
export function spoolable(input: PutInput, opts: Pick<PutOptions, 'size' | 'mode'> = {}): Readable | AsyncIterable<Uint8Array> | Uint8Array | DescriptorInput {
  if (opts.size !== undefined && (typeof opts.size !== 'bigint' || opts.size < 0n)) {
    throw new ScpipeError('ERR_USAGE', `size: give a bigint of 0 or more (as 1024n), not ${typeof opts.size} ${String(opts.size)}`);
  }
  // A mode of -1 or 0o17777 was stored as 0755 over SCP but 01755 over SFTP, and '644' as 01204.
  if (opts.mode !== undefined && !(Number.isInteger(opts.mode) && opts.mode >= 0 && opts.mode <= 0o7777)) {
    throw new ScpipeError('ERR_USAGE', `mode: give a whole number 0 to 0o7777 (as 0o644), not ${typeof opts.mode} ${String(opts.mode)}`);
  }
  if (typeof input !== 'object' || input === null) {
    throw new ScpipeError('ERR_USAGE', `nothing to send: give a Readable, an async iterable of bytes, a Uint8Array or { fd }, not ${input === null ? 'null' : typeof input}`);
  }
  // A stream whose 'end' was already emitted gave its bytes to someone else:
  // sent, it would store an empty file over the target.
  if (input instanceof Readable && input.readableEnded) {
    throw new ScpipeError('ERR_USAGE', 'the input stream has already ended (its bytes were read before this call): nothing was stored');
  }
  if (input instanceof Readable || input instanceof Uint8Array || input instanceof DescriptorInput || Symbol.asyncIterator in input) return input;
  return new DescriptorInput(input.fd);
}

/** Options of put(). */
export interface PutOptions extends RoleOptions, RemoteCommandOptions, StaleTempOptions {
  /** `auto` (default): SFTP where the subsystem opens, else SCP; or force one. */
  protocol?: Protocol;
  /** Over SFTP: channels to write over (default: from the round trip, sftp/lanes.ts). */
  parallel?: number;
  /** Name in the C record; default: the last part of the remote path. */
  name?: string;
  /** Known size: the input is streamed without spooling and must match exactly. */
  size?: bigint;
  /** With `size`: read only `size` bytes and ignore the rest (a file that grows). */
  ignoreExcess?: boolean;
  /** File mode to announce (default 0o644). */
  mode?: number;
  /** `-p`: send times and ask the remote to keep mode and times. */
  preserve?: boolean;
  /** Times sent with `preserve` (default: now). */
  times?: Times;
  /** RAM kept before the spool spills to disk (default 64 MiB). */
  memoryLimit?: number;
  /** Directory of the spool file (default TMPDIR). */
  spoolDir?: string;
  /** For a DescriptorInput: where the RAM part beyond 8 MiB is kept (SpoolOptions.memoryDir; false: process memory). */
  memoryDir?: string | false;
  /** Told when the spool goes on in a file: where, after how many bytes (the first spill past memoryLimit is `to: 'disk'`). */
  onSpill?: (spill: Spill) => void;
  /** Spooling, then sending (`name`: the name announced). */
  onProgress?: (p: Progress) => void;
  /**
   * After a lost connection, send again (default retry.ts DEFAULT_RETRIES; 0:
   * none): from the spool, a Uint8Array, or `reread`; over SFTP, resumed.
   */
  retries?: number;
  /**
   * With `size`: the input again from its first byte, for an SCP upload sent
   * again after a lost connection (a regular file: a new read stream from
   * where the first began). Without it a stream of known size is not resent.
   */
  reread?: () => Readable | AsyncIterable<Uint8Array>;
  backoffMs?: readonly number[];
  onRetry?: (event: RetryEvent) => void;
  /** Over SFTP: told when a retry finds the upload whole under its name (`path`, `bytes` long): the rename was made, its answer lost. */
  onFoundRenamed?: (path: string, bytes: number) => void;
  /** Compute the SHA-256 of the bytes sent, in the same pass (PutResult.sha256); always done for parts. */
  sha256?: boolean;
  /** put(): read the stored file back and compare its SHA-256 with the one sent (read-back.ts); over SFTP before the rename. */
  verify?: boolean;
  /** Never replace a remote file: ERR_EXISTS before anything is sent (over SCP a check, scp-exists.ts; over SFTP also the final rename). */
  noClobber?: boolean;
  /**
   * Told once the commit point passed before any abort (docs/library.md):
   * the data is stored, and an abort from now on makes the call resolve.
   */
  onCommitted?: () => void;
}

/** What put() did. */
export interface PutResult {
  bytes: bigint;
  /** The stored file's name (the last part of its path; a parts set's NAME). */
  name: string;
  /** Where the stream was measured: not at all (size known), in RAM, or on disk. */
  spooled: 'none' | 'memory' | 'disk';
  command: string;
  exit: ExitStatus;
  /** With `partSize`: every part, the manifest and where they went. */
  parts?: PartsResult;
  /** The protocol the bytes went over (`auto` chooses, see `protocolReason`). */
  protocol: 'scp' | 'sftp';
  /** Why `auto` chose SCP: the SFTP subsystem's refusal. */
  protocolReason?: string;
  /** Over SFTP: the channels written over. */
  channels?: number;
  /** With `sha256` (or parts): the SHA-256 (hex) of the stream as it was stored. */
  sha256?: string;
}
