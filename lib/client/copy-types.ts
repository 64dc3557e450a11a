// The options of cp's upload() and download(), over SCP and SFTP alike.
import type { ScpipeError } from '../errors';
import type { RemoteCommandOptions } from '../protocol/command';
import type { RoleOptions } from '../protocol/source-types';
import type { CopiedFile } from './copied-file';
import type { Progress } from './progress';
import type { Protocol } from './protocol-choice';
import type { RetryEvent } from './retry';

/** Options of upload() and download(). */
export interface CopyOptions extends RoleOptions, RemoteCommandOptions {
  recursive?: boolean;
  preserve?: boolean;
  /**
   * Default true: a download accepts only the names it asked for (scp's
   * check). false, as scp -T: any name the remote sends, which a hostile or
   * odd server (a remote glob, a shell alias) can use to pick what lands in
   * the target directory; names stay single components either way.
   */
  strictNames?: boolean;
  /** Progress of each file in turn (`name`: the local path sent, or the name received). */
  onProgress?: (p: Progress) => void;
  /** auto (default): SFTP where the subsystem opens, else SCP; remote globs (quote 'none') need SCP. */
  protocol?: Protocol;
  /** Copies again after a lost connection (copy-retry.ts; default retry.ts DEFAULT_RETRIES; 0: none). */
  retries?: number;
  /** Waits before each retry, in ms (default retry.ts DEFAULT_BACKOFF_MS). */
  backoffMs?: readonly number[];
  /** Told before each retry; `source` is the one that was being copied. */
  onRetry?: (event: RetryEvent & { source: string }) => void;
  /** Take each file's SHA-256 in the same pass, for onFileCopied. */
  sha256?: boolean;
  /** A file was stored whole at the other end (again, after a retry copied it again). */
  onFileCopied?: (file: CopiedFile) => void;
  /** upload(): told once every file is stored, before any abort (PutOptions.onCommitted). */
  onCommitted?: () => void;
  /** upload() over SFTP: told of a temporary file a lost connection left that the server would not remove (PutOptions.onTempKept). */
  onTempKept?: (path: string, error: ScpipeError) => void;
}
