// Builds the command line that starts the remote SCP role (docs/protocol.md §6):
// separate flags in OpenSSH's order `-v -r -p -d` then `-t`/`-f`, because
// rssh's whitelist refuses combined ones; `--` only before a path that starts
// with `-`; the path quoted for the remote shell.
import { ScpipeError } from '../errors';
import { escapeForTerminal } from '../util/escape';
import { quoteRemotePath, type QuoteMode } from './quote';

/** How put, get, upload and download start the remote scp (their shared options). */
export interface RemoteCommandOptions {
  /** How remote paths are quoted for the remote shell (default `posix`). */
  quote?: QuoteMode;
  /** The remote scp program; default `scp`. Quoted like a path when needed. */
  scpPath?: string;
  /** Ask the remote scp for `-v` diagnostics on its stderr. */
  remoteVerbose?: boolean;
}

/** What the remote scp should do, and how to spell it. */
export interface ScpCommandOptions extends Pick<RemoteCommandOptions, 'quote' | 'scpPath'> {
  /** `sink`: `scp -t` (we upload); `source`: `scp -f` (we download). */
  role: 'sink' | 'source';
  path: string;
  verbose?: boolean;
  recursive?: boolean;
  preserve?: boolean;
  /** `-d`: the target must be a directory (several sources). */
  targetIsDirectory?: boolean;
}

/** The exec command string, e.g. `scp -p -t -- '-odd name'`. */
export function buildScpCommand(o: ScpCommandOptions): string {
  const quote = o.quote ?? 'posix';
  const program = o.scpPath && o.scpPath !== 'scp' ? quoteRemotePath(o.scpPath, quote) : 'scp';
  const words = [program];
  if (o.verbose) words.push('-v');
  if (o.recursive) words.push('-r');
  if (o.preserve) words.push('-p');
  if (o.targetIsDirectory) words.push('-d');
  words.push(o.role === 'sink' ? '-t' : '-f');
  if (o.path.startsWith('-')) words.push('--');
  words.push(quoteRemotePath(o.path, quote));
  return words.join(' ');
}

/**
 * The command a client role runs: `role` on `path` with the caller's
 * options. An empty sink path (`host:`) is `.`, the login directory.
 * ERR_USAGE for a path with a newline, which scp cannot carry.
 */
export function remoteScpCommand(
  role: ScpCommandOptions['role'],
  path: string,
  opts: RemoteCommandOptions & Pick<ScpCommandOptions, 'recursive' | 'preserve' | 'targetIsDirectory'>,
): string {
  checkScpRemotePath(path);
  return buildScpCommand({
    role,
    path: role === 'sink' && path === '' ? '.' : path,
    verbose: opts.remoteVerbose,
    recursive: opts.recursive,
    preserve: opts.preserve,
    targetIsDirectory: opts.targetIsDirectory,
    quote: opts.quote,
    scpPath: opts.scpPath,
  });
}

/**
 * ERR_USAGE for a remote path scp cannot carry: its records and its error
 * lines end at a newline, so its messages about such a path came cut there,
 * and scp -f announces the name vis-encoded.
 */
export function checkScpRemotePath(path: string): void {
  if (!path.includes('\n')) return;
  throw new ScpipeError('ERR_USAGE', `${escapeForTerminal(path)}: a remote path with a newline cannot go over SCP (its records and messages are lines): use SFTP (--protocol sftp)`, { path });
}
