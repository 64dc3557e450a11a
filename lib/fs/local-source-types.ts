// What sendLocalPaths() (local-source.ts) drives, and its options.
import type { ScpSource } from '../protocol/source';
import type { TimeRange } from './sent-times';

/** The part of ScpSource that sendLocalPaths() drives (tests pass a recorder). */
export type SourceSession = Pick<ScpSource, 'sendFile' | 'enterDirectory' | 'leaveDirectory' | 'reportLocalError'> & {
  /** The sticky bit is sent (SFTP); a C/D record has no room for it (OpenSSH's FILEMODEMASK). */
  readonly keepsSticky?: boolean;
  /**
   * Small files that may be in flight at once (SFTP; SCP answers each file
   * before the next). sendFile() must take the file's place in the tree
   * before its first await: the walk goes on meanwhile.
   */
  readonly filesInFlight?: number;
  /** The times the protocol carries with -p (default: SCP's, none before 1970). */
  readonly timeRange?: TimeRange;
};

/** Options of sendLocalPaths(). */
export interface SendLocalOptions {
  /** -r: send directories (D … E). Without it a directory is an error. */
  recursive: boolean;
  /** -p: send T records (whole seconds, §2). Modes are always sent. */
  preserve: boolean;
  /** Checked between items; give the same signal to ScpSource to stop mid-file. */
  signal?: AbortSignal;
  /** A file is about to be sent; may return a progress callback for it. */
  onFileStart?: (path: string, size: bigint) => ((sent: bigint) => void) | undefined;
  /** A file was stored remotely; `sha256` (with the option) is of the bytes sent, taken as they were read. */
  onFileSent?: (path: string, size: bigint, sha256?: string) => void;
  /** Take each file's SHA-256 as it is sent. */
  sha256?: boolean;
  /**
   * Checked for every path before it is followed (the server's jail): a
   * returned reason refuses it like any other local problem.
   */
  guard?: (path: string) => Promise<string | undefined>;
  /**
   * Waited for before each path's guard, and released once it is open (serve:
   * the jail holds its renames back meanwhile, so the path checked is the one opened).
   */
  hold?: () => Promise<() => void>;
  /**
   * Say of a directory without `recursive` that it needs -r (a client's user
   * reads it); else "not a regular file", as OpenSSH's scp -f says it (serve).
   */
  sayUseRecursive?: boolean;
  /**
   * Send a name that is not UTF-8 as its bytes (util/byte-text.ts), as
   * OpenSSH's scp does (serve); without it such a name is refused.
   */
  namesAsBytes?: boolean;
  /**
   * Where a file lands remotely, from its name and the directories sent
   * around it (outermost first), for the message when it is cut short.
   */
  remoteFile?: (names: readonly string[]) => { path?: string; shown: string };
}
