// --append-only over SFTP: a client may make new files and directories and
// read, never change or remove what exists (as restic's rest-server
// --append-only and borg's append-only repositories), so a compromised
// client cannot destroy the backups already stored. An upload's temporary
// name (`.NAME.scpipe-XXXXXX`, scpipe's own client) stays the client's until
// it is moved onto a new name: a retry reopens it, and the move is its store.
import { constants, type Stats } from 'node:fs';
import { lstat } from '../../fs/byte-fs';
import { onlyTimes, type Attrs } from './attrs';
import type { OpsContext } from './context';
import { shownPath } from './shown-path';
import { SftpFailure, toFailure } from './status';
import { STATUS } from './wire';
import { Said, said } from '../../util/said';
import { isUploadTempName } from '../../fs/store-new';

/** A refusal of --append-only: permission denied, with the reason; always logged, the path named from the root as in its log line. */
export class AppendOnlyRefusal extends SftpFailure {
  constructor(clientPath: string, why: string) {
    super(STATUS.PERMISSION_DENIED, said`${shownPath(clientPath)}: append-only server: ${Said.plain(why)}`, 'EACCES');
  }
}

export { isUploadTempName };

/**
 * The open flags to use for a write open on an append-only server, or a
 * refusal: a new name is created exclusively (O_EXCL: no race with another
 * client's), an existing temporary file of an upload is reopened as it is.
 * `creates`: the open found the name free, and makes the file or fails (one
 * made meanwhile is another login's, which its O_TRUNC would empty).
 */
export async function appendOnlyOpenFlags(clientPath: string, host: string, flags: number, creates = false): Promise<number> {
  if (creates) return flags | constants.O_EXCL | constants.O_NOFOLLOW;
  const st = await lstat(host).catch(() => undefined);
  if (st === undefined) {
    // Said here, not left to open(): a file stored under the name meanwhile would be opened for writing.
    if ((flags & constants.O_CREAT) === 0) throw new SftpFailure(STATUS.NO_SUCH_FILE, said`${clientPath}: No such file or directory`, 'ENOENT');
    return flags | constants.O_EXCL | constants.O_NOFOLLOW;
  }
  if (isUploadTempName(clientPath) && ownTemp(st)) return flags | constants.O_NOFOLLOW;
  throw refused(clientPath, 'it exists, and existing files are not written to');
}

/**
 * What a setstat of `clientPath` may change: all of `attrs` where it is new
 * (made by this session, or an upload's temporary file); else a refusal,
 * but for a directory's times, as `scp -r -p` sets on one it fills (every
 * file added changes them anyway, and they keep nothing stored). Its mode is
 * then not applied: the same but for set-id bits, a chmod would clear them.
 */
export async function allowedAttrChange(ctx: OpsContext, clientPath: string, host: string, attrs: Attrs): Promise<Attrs> {
  if (!ctx.appendOnly || ctx.madeHere.has(host)) return attrs;
  // A name that is not there: no such file, as sftp-server says (and nothing is changed).
  const st = await lstat(host).catch((err: unknown) => {
    throw toFailure(err, clientPath);
  });
  if (isUploadTempName(clientPath) && ownTemp(st)) return attrs;
  if (st.isDirectory() && onlyTimes(attrs, st)) return { ...attrs, mode: undefined };
  throw refused(clientPath, st.isDirectory() ? 'the mode of existing directories is kept' : 'the mode, times and size of existing files are kept');
}

/**
 * Refuses moving `clientFrom` away unless it is an upload's temporary file
 * (moved onto a new name: storeNew()); its stat. A name that is not there is
 * answered as sftp-server answers it (no such file), not as a refusal.
 */
export async function refuseMove(clientFrom: string, host: string): Promise<Stats> {
  const st = await lstat(host).catch((err: unknown) => {
    throw toFailure(err, clientFrom);
  });
  if (isUploadTempName(clientFrom) && ownTemp(st)) return st;
  throw refused(clientFrom, 'only an upload\'s temporary file is renamed, onto a new name');
}

// Bounded: past it, a session only keeps what it made as any client's.
const MADE_REMEMBERED = 4096;

/** Refuses removing `clientPath`, which is not there (no such file, as sftp-server says) or stays. */
export async function refuseRemove(clientPath: string, host: string): Promise<never> {
  await lstat(host).catch((err: unknown) => {
    throw toFailure(err, clientPath);
  });
  throw refused(clientPath, 'nothing is removed');
}

/** Remembers a directory this session made, for allowedAttrChange(). */
export function rememberMade(ctx: OpsContext, host: string): void {
  if (ctx.madeHere.size < MADE_REMEMBERED) ctx.madeHere.add(host);
}

/** Remembers an upload's temporary file this session created: it may remove it. */
export function rememberTemp(ctx: OpsContext, clientPath: string, host: string): void {
  if (isUploadTempName(clientPath)) rememberMade(ctx, host);
}

/** The refusal of a request on `clientPath`, and why. */
export function refused(clientPath: string, why: string): AppendOnlyRefusal {
  return new AppendOnlyRefusal(clientPath, why);
}

// A regular file with one name: a temporary name hard-linked to a stored
// file (made before the server was append-only) would reach that file.
function ownTemp(st: { isFile(): boolean; nlink: number }): boolean {
  return st.isFile() && st.nlink === 1;
}
