// What an SFTP session of `scpipe serve` is given by the server, and the
// state its request handlers share (context.ts) made from it.
import type { Jail } from '../jail';
import type { OpsContext } from './context';
import { HandleTable } from './handles';
import { SftpPaths } from './paths';
import type { TransferLines } from './transfer-lines';
import type { UploadOwners } from './upload-owners';

/** What a session needs from the server. */
export interface SftpSessionOptions {
  jail: Jail;
  readOnly: boolean;
  appendOnly?: boolean;
  verbose: boolean;
  log: (line: string) => void;
  /** "user@address:port", escaped, for the log. */
  who: string;
  /** The login's key (or user name): an upload in progress is its own (--append-only). */
  login?: string;
  /** --append-only: the owners of uploads in progress, the server's (kept on disk, or in memory only). */
  owners: UploadOwners;
  /** The connection's open files, shared by its sessions (transfer-lines.ts). */
  lines?: TransferLines;
  /** The client's SSH identification: it tells in which order SYMLINK's paths come. */
  clientIdent: string;
  /** Aborts when the server starts draining: end once idle. */
  drain?: AbortSignal;
  /** Aborts when the server cuts what runs: an upload left open is its file cut short (cut-upload.ts). */
  cut?: AbortSignal;
  /**
   * Aborts when the connection closes: a channel paused (its queue full) when
   * the client vanished never emits 'close', which ssh2 holds until its 'end'.
   */
  hangup?: AbortSignal;
}

/** A new session's handler state; `gone` aborts when its channel closes or the server cuts what runs. */
export function sessionContext(opts: SftpSessionOptions, gone: AbortSignal): OpsContext {
  return {
    paths: new SftpPaths(opts.jail),
    handles: new HandleTable(),
    readOnly: opts.readOnly,
    appendOnly: opts.appendOnly ?? false,
    madeHere: new Set(),
    login: opts.login ?? '',
    owners: opts.owners,
    lines: opts.lines,
    gone,
    verbose: opts.verbose,
    // Not through hideRoot(): the lines hold client paths only (handlers build
    // their messages from them), and one that begins with the root's real
    // path would be logged as another.
    log: (line) => opts.log(`${opts.who} ${line}`),
  };
}
