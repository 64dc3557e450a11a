// Where an SFTP upload goes: the target file (a directory target gets the
// name, as over SCP), and the temporary name beside it that the bytes go to
// until they are whole (`.NAME.scpipe-XXXXXX`: hidden, clearly scpipe's,
// random so that two uploads never share one). SFTP paths are not parsed by a
// shell, so no quoting applies; a leading `~/` is the login directory, where
// a relative SFTP path starts.
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { ScpipeError, isScpipeError, withMessage } from '../errors';
import type { SftpSession } from '../sftp/session';
import { escapeForTerminal } from '../util/escape';
import { throughLinks } from './sftp-links';
import { NAME_MAX, PATH_MAX } from '../protocol/name-max';

/** Where an upload writes. */
export interface UploadPaths {
  target: string;
  temp: string;
  /** The mode of a file already at `target` (kept without -p, as scp does). */
  existingMode?: number;
  /** That file's owner and group (sftp-read-only.ts). */
  existingOwner?: { uid: number; gid: number };
}

/** The suffix of scpipe's temporary names, before the random part. */
export const TEMP_MARK = '.scpipe-';

/** `~/x` → `x`, `~` and `` → `.`; other paths unchanged (a `~user` path: sftpPathOn()). */
function sftpPath(remotePath: string): string {
  if (remotePath === '' || remotePath === '~') return '.';
  // Every slash after the `~` goes, as in scp's prepare_remote_path(): `~//x` is the home's x, not `/x`.
  if (remotePath.startsWith('~/')) return remotePath.replace(/^~\/+/, '') || '.';
  if (remotePath.startsWith('~')) throw notExpanded(remotePath);
  return remotePath;
}

/**
 * sftpPath(), with a `~user/` path expanded by the server, as OpenSSH's scp
 * has it expanded (expand-path@openssh.com); a trailing `/` is kept, as it
 * says the path is a directory.
 */
export async function sftpPathOn(session: SftpSession, remotePath: string): Promise<string> {
  if (!remotePath.startsWith('~') || remotePath === '~' || remotePath.startsWith('~/')) return sftpPath(remotePath);
  const expanded = await session.expandPath(remotePath);
  if (expanded === undefined) throw notExpanded(remotePath);
  return remotePath.endsWith('/') && !expanded.endsWith('/') ? `${expanded}/` : expanded;
}

function notExpanded(remotePath: string): ScpipeError {
  return new ScpipeError('ERR_USAGE', `"${escapeForTerminal(remotePath)}": this SFTP server does not expand ~user paths (no expand-path@openssh.com): give the full path, or use SCP (-O)`);
}

/** A failure on the temporary file `temp`, said of the target `path` the user named. */
export function asTarget(err: ScpipeError, temp: string, path: string): ScpipeError {
  const shown = escapeForTerminal(temp);
  if (!err.message.startsWith(`${shown}: `)) return err;
  return withMessage(err, `${escapeForTerminal(path)}: ${err.message.slice(shown.length + 2)}`, { path, cause: err });
}

/**
 * What a temporary name of `base` holds between its `.` and TEMP_MARK: `base`,
 * cut (by whole characters, so no half of a pair becomes U+FFFD) to keep the
 * name within NAME_MAX, as rsync cuts its `.NAME.XXXXXX`, and the path in
 * `dir` within PATH_MAX where `dir` is absolute (a target that scp -t can
 * write failed over SFTP for its temporary path alone). The same for every
 * run, so that --remove-stale finds a long target's leftovers too.
 */
export function tempStem(base: string, dir = '.'): string {
  const chars = Array.from(base);
  const added = 1 + TEMP_MARK.length + 6;
  const pathRoom = dir.startsWith('/') ? PATH_MAX - 1 - Buffer.byteLength(dir.replace(/\/*$/, '/')) - added : Infinity;
  const room = Math.max(0, Math.min(NAME_MAX - added, pathRoom));
  let bytes = Buffer.byteLength(base);
  while (bytes > room) bytes -= Buffer.byteLength(chars.pop()!);
  return chars.join('');
}

/**
 * The stem an older scpipe gave `base` where tempStem() now cuts: it cut by
 * UTF-16 units, so a 4-byte character at the cut went out half, as U+FFFD.
 * --remove-stale knows such leftovers too (sftp-stale.ts).
 */
export function legacyTempStem(base: string): string {
  let stem = base;
  while (Buffer.byteLength(stem) > NAME_MAX - 1 - TEMP_MARK.length - 6) stem = stem.slice(0, -1);
  return Buffer.from(stem).toString();
}

/** A fresh temporary name for `target`, in its directory. */
export function tempNameFor(target: string): string {
  const dir = posix.dirname(target);
  const suffix = TEMP_MARK + randomBytes(6).toString('base64url').replace(/[-_]/g, 'x').slice(0, 6);
  const name = `.${tempStem(posix.basename(target), dir)}${suffix}`;
  return dir === '.' ? name : posix.join(dir, name);
}

/** Resolves the target of `put` over SFTP: a directory gets `name` (or the path's last part) inside it. */
export async function uploadPaths(session: SftpSession, remotePath: string, name?: string): Promise<UploadPaths> {
  const path = await sftpPathOn(session, remotePath);
  const named = fileName(path === '.' ? './' : path, name);
  const stat = path.endsWith('/') || path === '.' ? 'dir' : await kindOf(session, path);
  // Through a symbolic link, as scp -t writes (sftp-links.ts).
  const target = await throughLinks(session, stat === 'dir' ? posix.join(path, named) : path);
  const existing = await session.stat(target).catch(absent);
  if (existing?.isDirectory()) {
    throw new ScpipeError('ERR_REMOTE', `${escapeForTerminal(target)}: is a directory`, { path: target });
  }
  if (existing === undefined) return { target, temp: tempNameFor(target) };
  return { target, temp: tempNameFor(target), existingMode: existing.mode & 0o7777, existingOwner: { uid: existing.uid, gid: existing.gid } };
}

// The name inside a directory target: --name, else the path's last part; a
// path ending in `/` needs --name, as over SCP. Unlike an SCP C record, a
// name may hold a newline: SFTP carries it as a length-prefixed string.
function fileName(path: string, explicit?: string): string {
  const name = explicit ?? (path.endsWith('/') ? undefined : posix.basename(path));
  if (name === undefined) {
    throw new ScpipeError('ERR_USAGE', `the remote path "${escapeForTerminal(path)}" names a directory; give a file name (host:${escapeForTerminal(path.replace(/\/*$/, '/'))}NAME) or --name NAME`);
  }
  if (name === '' || name === '.' || name === '..' || name.includes('/')) {
    throw new ScpipeError('ERR_USAGE', `cannot use "${escapeForTerminal(name)}" as a file name`);
  }
  return name;
}

type Stats = Awaited<ReturnType<SftpSession['stat']>>;

async function kindOf(session: SftpSession, path: string): Promise<'dir' | 'missing' | Stats> {
  const st = await session.stat(path).catch(absent);
  if (st === undefined) return 'missing';
  return st.isDirectory() ? 'dir' : st;
}

/** For a stat's catch(): a missing file is undefined; any other failure is thrown. */
export function absent(err: unknown): undefined {
  if (isScpipeError(err, 'ERR_NO_SUCH_FILE')) return undefined;
  throw err;
}
