// Moving a finished upload onto a name that must be new (serve's
// --append-only): link() then unlink(), so an existing file is never
// replaced, even by a rename racing another client's. A name that exists
// with the very same bytes counts as stored: a retry re-sending what a lost
// connection had already stored is no overwrite, and must not fail.
import { constants, type BigIntStats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { link, lstat, open, rename, unlink } from './byte-fs';
import { basename, posix } from 'node:path';
import { errnoCode } from './strerror';

/** Why storeNew() did not store: the name holds other content. */
export class NameTaken extends Error {
  override readonly name = 'NameTaken';
}

/** Why storeNew() did not store: `from` was removed or replaced while `to` was compared with it. */
export class SourceChanged extends Error {
  override readonly name = 'SourceChanged';
}

/** What an append-only serve says over SCP of a file it will not replace. */
export function appendOnlyRefusal(path: string): string {
  return `${path}: Permission denied (append-only server: it exists, and existing files are not replaced)`;
}

// scpipe's client names an upload's temporary file `.NAME.scpipe-XXXXXX`
// (SFTP): an append-only serve lets its own login go on writing it. NAME
// may hold any byte but `/`, a newline too (`s`).
const UPLOAD_TEMP_NAME = /^\..+\.scpipe-[A-Za-z0-9]{6}$/s;

/**
 * Whether `path` names an upload's temporary file, by its last name alone,
 * as the path resolves: `/.x.scpipe-AbCdE1/.` names that file too.
 */
export function isUploadTempName(path: string): boolean {
  return isUploadTempBase(basename(posix.resolve('/', path)));
}

/** Whether a bare name (no `/`: a listing's) is an upload's temporary file's. */
export function isUploadTempBase(name: string): boolean {
  return UPLOAD_TEMP_NAME.test(name);
}

/** What an append-only serve says of storing under a temporary file's name: such a file stays writable. */
export const TEMP_NAME_REFUSAL = 'the name of an upload\'s temporary file is not one to store under';

/** What storeNew() did: moved `from` to `to`, or found `to` identical and removed `from`. */
export type Stored = 'stored' | 'identical';

/**
 * Runs `step` (the read of both files, maybe GBs) without the caller's lock,
 * and resolves once the lock is held again: a re-sent backup must not stall
 * every other client's renames while it is compared.
 */
export type Unlocked = <T>(step: () => Promise<T>) => Promise<T>;

/**
 * How storeNew() compares: `unlocked` lets go of the caller's lock meanwhile;
 * `signal` stops it (the client went away); `beingWritten` tells a file still
 * open for writing (an upload in progress, which may yet grow, or be removed
 * when its client hangs up): one is no stored file, whatever it holds now.
 */
export interface CompareOptions {
  unlocked?: Unlocked;
  signal?: AbortSignal;
  beingWritten?: (st: BigIntStats) => boolean;
}

// A name whose file changed while it was compared (still being written) is compared again, this often.
const ATTEMPTS = 3;

/**
 * Moves the regular file `from` to the new name `to`; throws NameTaken when
 * `to` exists with other bytes, and SourceChanged when `from` no longer names
 * the file it named at the start.
 */
export async function storeNew(from: string, to: string, opts: CompareOptions = {}): Promise<Stored> {
  for (let attempt = 1; ; attempt++) {
    if (await linkNew(from, to)) return 'stored';
    const verdict = await compareExisting(from, to, opts);
    if (verdict === 'same') {
      await unlink(from);
      return 'identical';
    }
    if (verdict === 'other' || attempt === ATTEMPTS) throw new NameTaken('the name exists');
  }
}

// True once `from` is stored as `to`; false when `to` exists.
async function linkNew(from: string, to: string): Promise<boolean> {
  try {
    await link(from, to);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'EEXIST') return false;
    if (!['EXDEV', 'EPERM', 'EOPNOTSUPP', 'ENOSYS'].includes(code ?? '')) throw err;
    // No hard links (FAT): checked, then renamed; racy, as sftp-server's rename there.
    if (await exists(to)) return false;
    await rename(from, to);
    return true;
  }
  // Gone already: a serve starting on the same root finished this store (a second name there is taken for one a crash left).
  await unlink(from).catch((err: unknown) => {
    if (errnoCode(err) !== 'ENOENT') throw err;
  });
  return true;
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(() => true, () => false);
}

// Compares through descriptors opened under the caller's lock; once it is
// held again, the names must still lead to the files compared, unchanged
// (size, mtime, ctime), or the verdict is 'changed': compare again.
async function compareExisting(from: string, to: string, { unlocked = (step) => step(), signal, beingWritten }: CompareOptions): Promise<'same' | 'other' | 'changed'> {
  const theirs = await open(to, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch((err: unknown) => {
    if (errnoCode(err) === 'ENOENT') return 'gone' as const;
    // A symbolic link, a socket: not a file holding these bytes.
    if (['ELOOP', 'ENXIO'].includes(errnoCode(err) ?? '')) return 'not-a-file' as const;
    throw err;
  });
  if (theirs === 'gone') return 'changed';
  if (theirs === 'not-a-file') return 'other';
  let ours: FileHandle | undefined;
  try {
    ours = await open(from, constants.O_RDONLY | constants.O_NOFOLLOW);
    const [sa, sb] = await Promise.all([ours.stat({ bigint: true }), theirs.stat({ bigint: true })]);
    if (!sa.isFile() || !sb.isFile() || sa.size !== sb.size) return 'other';
    const same = await unlocked(() => sameContent(ours!, theirs, signal));
    const [na, nb, named, source] = await Promise.all([
      ours.stat({ bigint: true }), theirs.stat({ bigint: true }),
      lstat(to, { bigint: true }).catch(() => undefined), lstat(from, { bigint: true }).catch(() => undefined),
    ]);
    if (!source || !sameFile(source, sa) || !unchanged(sa, na)) throw new SourceChanged('the file stored changed meanwhile');
    if (!named || !sameFile(named, sb) || !unchanged(sb, nb)) return 'changed';
    return same && !beingWritten?.(named) ? 'same' : 'other';
  } finally {
    await ours?.close();
    await theirs.close();
  }
}

function sameFile(a: BigIntStats, b: BigIntStats): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

function unchanged(before: BigIntStats, after: BigIntStats): boolean {
  return before.size === after.size && before.mtimeNs === after.mtimeNs && before.ctimeNs === after.ctimeNs;
}

const CHUNK = 1 << 20;

/** Whether two open files hold the same bytes, read side by side from the start; throws once `signal` aborts. */
async function sameContent(a: FileHandle, b: FileHandle, signal: AbortSignal | undefined): Promise<boolean> {
  const [ba, bb] = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
  for (let at = 0; ; ) {
    signal?.throwIfAborted();
    const [ra, rb] = await Promise.all([a.read(ba, 0, CHUNK, at), b.read(bb, 0, CHUNK, at)]);
    const n = Math.min(ra.bytesRead, rb.bytesRead); // a short read of one is read again
    if (n === 0) return ra.bytesRead === rb.bytesRead;
    if (!ba.subarray(0, n).equals(bb.subarray(0, n))) return false;
    at += n;
  }
}
