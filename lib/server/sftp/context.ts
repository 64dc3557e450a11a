// What every SFTP request handler needs from its session.
import type { HandleTable } from './handles';
import type { SftpPaths } from './paths';
import { readOnlyFailure } from './status';
import type { UploadOwners } from './upload-owners';
import type { TransferLines } from './transfer-lines';

/** One session's state, shared by the handlers. */
export interface OpsContext {
  paths: SftpPaths;
  handles: HandleTable;
  readOnly: boolean;
  /** --append-only: nothing that exists is changed or removed (append-only.ts). */
  appendOnly: boolean;
  /** Directories and upload temporary files this session made (append-only: still the client's to change). */
  madeHere: Set<string>;
  /** The login's key (or user name): only its sessions write into its uploads in progress (upload-owners.ts). */
  login: string;
  /** Which login made each upload's temporary file (--append-only). */
  owners: UploadOwners;
  /** Aborts when the channel closed or the server cuts what runs: a long request (a comparison) stops. */
  gone?: AbortSignal;
  /** A line for the server log (already prefixed with the client). */
  log: (line: string) => void;
  verbose: boolean;
  /** The connection's open files, by path: one transfer line per file over all its channels. */
  lines?: TransferLines;
}

/** Throws permission denied on a --read-only server. */
export function refuseIfReadOnly(ctx: OpsContext): void {
  if (ctx.readOnly) throw readOnlyFailure();
}

/** Safe integer file offset from a uint64, or a failure (Node's fs takes numbers). */
export function fileOffset(offset: bigint): number {
  if (offset > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('offset too large');
  return Number(offset);
}
