// What put() does with, and tells of, the temporary files an earlier
// upload over SFTP left (sftp-stale.ts): one declaration that a single
// file's options (PutOptions) and a parts set's (PartsOptions) both take.
import type { ScpipeError } from '../errors';
import type { OthersStale } from './sftp-stale';

/** The temporary files of this upload's target (a file's, or a parts set's parts and manifest) left by an earlier one. */
export interface StaleTempOptions {
  /** Over SFTP: first remove those an interrupted upload left (sftp-stale.ts). */
  removeStale?: boolean;
  /** Told of each stale temporary file removed. */
  onStaleRemoved?: (path: string) => void;
  /** Told of each one kept as possibly live: written to `ageS` seconds ago (sftp-stale.ts). */
  onStaleKept?: (path: string, ageS: number) => void;
  /** With removeStale: told once that the server refused to remove `path` (permission denied, `reason`), so `left` stale files stay; the upload goes on. */
  onStaleRefused?: (path: string, reason: string, left: number) => void;
  /** Without removeStale, over SFTP: told of each one not written to for STALE_AFTER_S (`ageS` old, `bytes` long), left there. */
  onStaleFound?: (path: string, ageS: number, bytes: number) => void;
  /**
   * Over SFTP: told once of the temporary files in the target's directory
   * that uploads of other names left (a `kill -9` of last night's run), not
   * written to for STALE_AFTER_S: how many, their bytes, the oldest's age.
   * They are never removed, not even with removeStale.
   */
  onOthersStaleFound?: (found: OthersStale) => void;
  /**
   * Over SFTP: told of a temporary file an attempt cut by a lost connection
   * left, which the server would not remove (an append-only server keeps
   * it); it stays there, and the upload goes on.
   */
  onTempKept?: (path: string, error: ScpipeError) => void;
}
