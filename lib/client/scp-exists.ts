// --no-clobber over SCP: `scp -t` replaces whatever file it is told to
// write, and the protocol has no way to ask it not to. So before anything is
// sent, a remote `scp -f` is asked for the file (its header is enough: the
// channel is closed then, before a byte of data). This is a check, not a
// lock: a file made between it and the end of the upload is still replaced
// (docs/failures.md; put.ts asks again once a spool is done); over SFTP the
// final rename refuses instead.
import { ScpipeError, isScpipeError, withMessage } from '../errors';
import type { RemoteCommandOptions } from '../protocol/command';
import { escapeForTerminal } from '../util/escape';
import type { OpenChannel } from './connection';
import { getOverChannel } from './scp-get';
import { scpRefusalHint } from './protocol-choice';
import { isConnectionLoss } from './reconnect';
import { isNameTooLong, nameTooLongError, whyTooLong } from '../protocol/name-max';

/** What a remote path is, as `scp -f` tells it. */
export type RemoteKind = 'file' | 'missing' | 'not-a-file';

/** `scp -f`'s answer for a directory (or a device): the file scp -t writes there is inside it. */
export function isNotAFile(err: unknown): boolean {
  return isScpipeError(err, 'ERR_REMOTE') && /not a regular file|is a directory/i.test(err.remoteMessage ?? err.message);
}

/** The size `scp -f` announces for the file `path`, read from its header alone; its errors as they come. */
export async function scpFileSize(open: OpenChannel, path: string, opts: RemoteCommandOptions & { signal?: AbortSignal }): Promise<bigint> {
  const probe = await getOverChannel(open, path, { signal: opts.signal, quote: opts.quote, scpPath: opts.scpPath, strictNames: false });
  probe.done.catch(() => undefined);
  probe.body.on('error', () => undefined);
  probe.body.destroy();
  return probe.size;
}

/** Asks `scp -f` for `path`; a reply other than a file, "No such file" or "not a regular file" is an error. */
export async function scpKindOf(open: OpenChannel, path: string, opts: RemoteCommandOptions & { signal?: AbortSignal }): Promise<RemoteKind> {
  try {
    await scpFileSize(open, path, opts);
    return 'file';
  } catch (err) {
    if (isScpipeError(err, 'ERR_NO_SUCH_FILE')) return 'missing';
    if (isNotAFile(err)) return 'not-a-file';
    if (isScpipeError(err, 'ERR_ABORTED')) throw err;
    if (isConnectionLoss(err)) throw err; // nothing learnt: the caller's retry looks again
    if (scpRefusalHint(err, 'auto') !== err) throw err; // an sftp-only host: the caller may look over SFTP
    // The refusal's code and what the remote said stay (a Permission denied is ERR_PERMISSION_DENIED, as over SFTP).
    const said = (why: string): string => `--no-clobber: cannot tell whether ${escapeForTerminal(path)} exists: ${why}`;
    if (isScpipeError(err)) throw withMessage(err, said(err.message), { path, cause: err });
    throw new ScpipeError('ERR_REMOTE', said(escapeForTerminal(String(err))), { path, cause: err });
  }
}

/**
 * ERR_EXISTS when the file an SCP upload of `name` to `remotePath` would
 * write is there already: `remotePath` itself, or `remotePath/name` when it
 * is a directory (as `scp -t` decides).
 */
export async function refuseExisting(open: OpenChannel, remotePath: string, name: string, opts: RemoteCommandOptions & { signal?: AbortSignal }): Promise<void> {
  const asDir = remotePath.endsWith('/');
  const first = asDir ? `${remotePath}${name}` : remotePath;
  let kind = await scpKindOf(open, first, opts);
  let path = first;
  if (kind === 'not-a-file' && !asDir) {
    path = `${remotePath}/${name}`;
    kind = await scpKindOf(open, path, opts);
  }
  if (kind !== 'missing') throw existsError(path);
}

/** ERR_EXISTS naming the first of `paths` that is there (a file or anything else). */
export async function refuseAnyExisting(open: OpenChannel, paths: readonly string[], opts: RemoteCommandOptions & { signal?: AbortSignal }): Promise<void> {
  const kinds = await Promise.all(paths.map((path) => scpKindOf(open, path, opts)));
  const taken = paths.find((_, i) => kinds[i] !== 'missing');
  if (taken !== undefined) throw existsError(taken);
}

/** The error of a target that is there already. */
export function existsError(path: string): ScpipeError {
  return new ScpipeError('ERR_EXISTS', `${escapeForTerminal(path)}: the remote file exists, and --no-clobber leaves it as it is`, { path });
}

/**
 * ERR_REMOTE when the remote says `path` is too long a name (name-max.ts):
 * asked only of a path with a name over NAME_MAX or over PATH_MAX, as scp -t would say
 * it only at the header, after the whole stream. Any other answer passes.
 */
export async function refuseTooLong(open: OpenChannel, path: string, opts: RemoteCommandOptions & { signal?: AbortSignal }): Promise<void> {
  if (whyTooLong(path) === undefined) return;
  try {
    await scpFileSize(open, path, opts);
  } catch (err) {
    if (isNameTooLong(err)) throw nameTooLongError(path, err);
  }
}
