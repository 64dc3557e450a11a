// What createLocalSink() takes and gives: the options of the local end of a
// download (cp, and serve's scp uploads), and the handler with its close().
import type { BigIntStats } from 'node:fs';
import type { SinkHandler } from '../protocol/sink-types';

/** Options of createLocalSink(). */
export interface LocalSinkOptions {
  /** -p: exact modes (setuid included) and times. */
  preserve: boolean;
  /** -r: directories are accepted (the sink role rejects D without it). */
  recursive: boolean;
  /** Default process.umask(); applied to new files and directories without -p. */
  umask?: number;
  /** Called when a file has been stored under its final name; `sha256` with the option. */
  onFileDone?: (path: string, bytes: bigint, sha256?: string) => void;
  /** Take each file's SHA-256 as it is written. */
  sha256?: boolean;
  /** Clear setuid and setgid also with -p (serve: every file is the server's user's, maybe root's). */
  dropSetId?: boolean;
  /**
   * Refuse to write into a device or FIFO (serve): opening a FIFO no one reads
   * blocks one of libuv's four threads for ever, and four of them every client.
   */
  regularFilesOnly?: boolean;
  /**
   * serve's jail, for each file or directory before it is created or changed:
   * `hold` is waited for, then `guard` asked (a reason refuses the entry),
   * and the hold released once the entry is open or made. The jail holds its
   * renames back meanwhile, so a directory checked is the one used.
   * `exclusive` for a directory, which may be made where a link was.
   */
  guard?: (path: string) => Promise<string | undefined>;
  hold?: (exclusive?: boolean) => Promise<() => void>;
  /** The directories this copy made, kept across cp's retries: one an earlier attempt left read-only is filled again. */
  made?: Set<string>;
  /**
   * serve's --append-only: a file is stored only under a new name (or one
   * holding the same bytes: a retry's); an existing directory is entered
   * but its mode and times are kept.
   */
  appendOnly?: boolean;
  /**
   * How a re-sent file is compared with the one stored (appendOnly): `signal`
   * stops it (the client went away); `beingWritten` tells a file another
   * upload still writes, which counts as no stored file.
   */
  compare?: { signal?: AbortSignal; beingWritten?: (st: BigIntStats) => boolean };
  /** -v: told where directories cannot be held (no /proc). */
  trace?: (line: string) => void;
}

/** The local sink's SinkHandler, with close(): its open directories are let go (the copy is over). */
export type LocalSinkHandler = SinkHandler & { close(): Promise<void> };
