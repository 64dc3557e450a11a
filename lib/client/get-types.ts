// The types of get(): how it fetches (GetOptions), and the download under way.
import type { ExitStatus } from '../protocol/channel';
import type { RemoteCommandOptions } from '../protocol/command';
import type { ReceivedTimes } from '../protocol/sink-types';
import type { RoleOptions } from '../protocol/source-types';
import type { BodyStream } from './body-stream';
import type { Protocol } from './protocol-choice';
import type { RetryEvent } from './retry';
import type { Manifest } from './parts/manifest';
import type { PartSpill } from './parts/options';
import type { SpoolShort } from './parts/spool-room';
import type { ResumePoint } from './parts/kept-restore';
import type { FileResumePoint, RemoteVersion } from './kept-file';
import type { Progress } from './progress';

/** Options of get(). */
export interface GetOptions extends RoleOptions, RemoteCommandOptions {
  /** `auto` (default): SFTP where the subsystem opens, else SCP; or force one. */
  protocol?: Protocol;
  /** `-p`: ask for the file's times (reported in `times`). */
  preserve?: boolean;
  /**
   * getTo() only: the output is the body's one reader and is done with each
   * chunk once its write is called back, so an SFTP download may read into
   * that chunk's memory again (less garbage collection, docs/library.md).
   */
  reuseChunks?: boolean;
  /** Default true: the file must come under the name asked for; false as scp -T (see CopyOptions). */
  strictNames?: boolean;
  /** The bytes received (`name`: the name the remote announced, or the parts set's name). */
  onProgress?: (p: Progress) => void;
  /** A parts set: parts fetched ahead, each over its own channel (default 4); over SFTP: channels to read over (default from the round trip). */
  parallel?: number;
  /** Fetches again after a lost connection (default retry.ts DEFAULT_RETRIES; 0: none). */
  retries?: number;
  backoffMs?: readonly number[];
  /** Each retry; `file`: the part of a parts set fetched again. */
  onRetry?: (event: RetryEvent & { file?: string }) => void;
  /** A parts set: RAM for the parts fetched ahead (default 64 MiB), then files in `spoolDir`. */
  memoryLimit?: number;
  spoolDir?: string;
  /** A parts set: a part fetched ahead went on in a spool file in `dir` (on a RAM file system, it still takes memory). */
  onSpill?: (spill: PartSpill) => void;
  /** A parts set: the spool directory has no room for the parts --parallel fetches ahead, so fewer go at once (`fitted`). */
  onSpoolShort?: (short: SpoolShort) => void;
  /** A parts set: sets read at once into the same spool directory (put's verify of several targets), each fitted to its share. */
  spoolSharedBy?: number;
  /** false: `remotePath` is a plain file only, never a parts set; true: the parts set only (a plain file of its name is passed over). */
  parts?: boolean;
  /**
   * A parts set: also sum the whole stream as it goes out and check it
   * against the manifest's sum, for a caller that reports or compares that
   * sum (getTo's sha256 and expectSha256 set it). Each part is checked
   * against its own sum before it goes out either way, so the bytes are the
   * manifest's without it; it checks the manifest's own last line.
   */
  wholeStreamSum?: boolean;
  /** A parts set: each part once all its bytes went into the body, in order (`index` from 0). */
  onPartOut?: (index: number, name: string) => void;
  /**
   * A parts set: called with its manifest (and the manifest file's SHA-256)
   * before any part is fetched; the body then starts at the part it gives
   * (getTo's `resume`, which keeps the bytes before it).
   */
  resumeAt?: (manifest: Manifest, manifestSha256: string) => Promise<ResumePoint>;
  /**
   * A single file: called with its size and mtime once it is open over SFTP;
   * the body then starts at the offset it gives (getTo's `resume`, which
   * keeps the bytes before it). Over SCP, which cannot start at an offset,
   * a single file is refused (ERR_CANNOT_RESUME) once its header came.
   */
  resumeFile?: (version: RemoteVersion) => Promise<FileResumePoint>;
}

/** A download under way: what the remote announced, and the bytes. */
export interface Download {
  name: string;
  size: bigint;
  mode: number;
  times?: ReceivedTimes;
  /** The file's bytes; ends after the transfer is verified, errors if it fails. */
  body: BodyStream;
  /** Settles with the exit status once the session is over (rejects like body). */
  done: Promise<ExitStatus>;
  /** When `remotePath` named a parts set: its manifest. */
  manifest?: Manifest;
  /** The protocol the bytes come over. */
  protocol: 'scp' | 'sftp';
  /** Why `auto` chose SCP: the SFTP subsystem's refusal. */
  protocolReason?: string;
  /** A single file resumed (`resumeFile`): the body starts after these bytes, already kept. */
  resumed?: FileResumePoint;
}
