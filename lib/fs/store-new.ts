// Moving a finished upload onto a name that must be new (serve's
// --append-only): link() then unlink(), so an existing file is never
// replaced, even by a rename racing another client's. A name that exists
// with the very same bytes counts as stored: a retry re-sending what a lost
// connection had already stored is no overwrite, and must not fail.
import { createReadStream } from 'node:fs';
import { link, lstat, rename, unlink } from 'node:fs/promises';
import { basename } from 'node:path';
import { errnoCode } from './strerror';

/** Why storeNew() did not store: the name holds other content. */
export class NameTaken extends Error {
  override readonly name = 'NameTaken';
}

/** What an append-only serve says over SCP of a file it will not replace. */
export function appendOnlyRefusal(path: string): string {
  return `${path}: Permission denied (append-only server: it exists, and existing files are not replaced)`;
}

// scpipe's client names an upload's temporary file `.NAME.scpipe-XXXXXX`
// (SFTP): an append-only serve lets its own login go on writing it.
const UPLOAD_TEMP_NAME = /^\..+\.scpipe-[A-Za-z0-9]{6}$/;

/** Whether `path` names an upload's temporary file, by its last name alone. */
export function isUploadTempName(path: string): boolean {
  return UPLOAD_TEMP_NAME.test(basename(path));
}

/** What an append-only serve says of storing under a temporary file's name: such a file stays writable. */
export const TEMP_NAME_REFUSAL = 'the name of an upload\'s temporary file is not one to store under';

/** What storeNew() did: moved `from` to `to`, or found `to` identical and removed `from`. */
export type Stored = 'stored' | 'identical';

/** Moves the regular file `from` to the new name `to`; throws NameTaken when `to` exists with other bytes. */
export async function storeNew(from: string, to: string): Promise<Stored> {
  try {
    await link(from, to);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'EEXIST') return keepExisting(from, to);
    if (!['EXDEV', 'EPERM', 'EOPNOTSUPP', 'ENOSYS'].includes(code ?? '')) throw err;
    // No hard links (FAT): checked, then renamed; racy, as sftp-server's rename there.
    if (await exists(to)) return keepExisting(from, to);
    await rename(from, to);
    return 'stored';
  }
  await unlink(from);
  return 'stored';
}

async function keepExisting(from: string, to: string): Promise<Stored> {
  if (!(await sameBytes(from, to))) throw new NameTaken('the name exists');
  await unlink(from);
  return 'identical';
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(() => true, () => false);
}

/** Whether two regular files hold the same bytes (sizes first: a different one is not read). */
export async function sameBytes(a: string, b: string): Promise<boolean> {
  const [sa, sb] = await Promise.all([lstat(a), lstat(b)]);
  if (!sa.isFile() || !sb.isFile() || sa.size !== sb.size) return false;
  const ra = createReadStream(a, { highWaterMark: 1 << 20 })[Symbol.asyncIterator]();
  const rb = createReadStream(b, { highWaterMark: 1 << 20 });
  let pending: Buffer = Buffer.alloc(0);
  try {
    for await (const chunk of rb) {
      let theirs = chunk as Buffer;
      while (theirs.length > 0) {
        if (pending.length === 0) {
          const next = await ra.next();
          if (next.done) return false;
          pending = next.value as Buffer;
        }
        const n = Math.min(pending.length, theirs.length);
        if (!pending.subarray(0, n).equals(theirs.subarray(0, n))) return false;
        pending = pending.subarray(n);
        theirs = theirs.subarray(n);
      }
    }
    return pending.length === 0 && (await ra.next()).done === true;
  } finally {
    await ra.return?.();
    rb.destroy();
  }
}
