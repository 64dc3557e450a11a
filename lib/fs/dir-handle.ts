// A directory the sink writes into, held open: its entries are named through
// /proc/self/fd/<fd>/<name>, which the kernel resolves from the open directory,
// not by its path again. A directory that another user who may rename its
// parent (a 2775 group directory) swaps for a symlink after our checks is
// then still the one written into; by path, the writes would follow the link.
// Without /proc the names are joined to the path, as scp does (a -v note).
import { constants, existsSync, type Stats } from 'node:fs';
import { chmod, lstat, stat, utimes } from './byte-fs';
import { posix } from 'node:path';
import { closeFd, fchmodFd, fstatFd, futimesFd, openFd } from './fd';
import { joinName } from './join-name';
import { errnoCode, strerror } from './strerror';

// Linux's O_PATH (not in fs.constants): the directory needs no read permission
// (a 0333 drop box), and its /proc/self/fd link still reaches it for chmod.
const O_PATH = 0o10000000;

let viaProc: boolean | undefined;

/** Whether entries are reached through the open directory (/proc is mounted). */
export function namesByHandle(): boolean {
  viaProc ??= existsSync('/proc/self/fd');
  return viaProc;
}

/** An open directory: `path` for messages, `at(name)` for calls. */
export class DirHandle {
  // Where at() names entries when no descriptor is held: the path, or the name through the nearest held directory.
  private constructor(readonly path: string, private fd: number | undefined, private base = path) {}

  /**
   * Opens `where` (default `path`), shown as `path`. `follow`: a link there is
   * followed (a directory the user named), else refused (ENOTDIR). `same`: its
   * stat when it was checked; another directory there now rejects with `changed`.
   */
  static async open(path: string, opts: { where?: string; follow: boolean; same?: { dev: number | bigint; ino: number | bigint } }): Promise<DirHandle> {
    const flags = (namesByHandle() ? O_PATH : constants.O_RDONLY) | constants.O_DIRECTORY | (opts.follow ? 0 : constants.O_NOFOLLOW);
    // By name, the fd serves chmod alone: a directory we may not read (0333) is still written into, as before.
    const where = opts.where ?? path;
    const fd = await openFd(where, flags).catch((err: unknown) => {
      const code = errnoCode(err);
      // Out of descriptors (a tree deeper than a low hard `ulimit -n`): not held, as scp holds none.
      if (code === 'EMFILE' || code === 'ENFILE') return null;
      if (namesByHandle() || code !== 'EACCES') throw err;
      return undefined;
    });
    if (fd === undefined) return new DirHandle(path, undefined);
    if (fd === null) return DirHandle.byName(path, where, opts);
    const handle = new DirHandle(path, fd);
    if (opts.same) {
      const st = await fstatFd(fd).catch(() => undefined);
      if (st?.dev !== BigInt(opts.same.dev) || st.ino !== BigInt(opts.same.ino)) {
        await handle.close();
        throw Object.assign(new Error(`${path}: another directory took its place`), { changed: true, path });
      }
    }
    return handle;
  }

  /** Not held: checked by name, and its entries named through `where` (the nearest held directory's /proc path). */
  static async byName(path: string, where: string, opts: { follow: boolean; same?: { dev: number | bigint; ino: number | bigint } }): Promise<DirHandle> {
    const st = await (opts.follow ? stat : lstat)(where, { bigint: true });
    if (!st.isDirectory()) throw Object.assign(new Error('Not a directory'), { code: 'ENOTDIR' });
    if (opts.same && (st.dev !== BigInt(opts.same.dev) || st.ino !== BigInt(opts.same.ino))) {
      throw Object.assign(new Error(`${path}: another directory took its place`), { changed: true, path });
    }
    return new DirHandle(path, undefined, where);
  }

  /** The directory holding `path` (followed: the user named it), and the name in it. */
  static async parentOf(path: string): Promise<{ dir: DirHandle; name: string }> {
    return { dir: await DirHandle.open(posix.dirname(path), { follow: true }), name: posix.basename(path) };
  }

  /** The path to give a system call for `name` in this directory. */
  at(name: string): string {
    return this.fd !== undefined && namesByHandle() ? `/proc/self/fd/${this.fd}/${name}` : joinName(this.base, name);
  }

  /** `name` in this directory as the user knows it. */
  shown(name: string): string {
    return joinName(this.path, name);
  }

  /** chmod(2) of the open directory; errors are the caller's. */
  chmod(mode: number): Promise<void> {
    if (this.fd === undefined) return this.base === this.path ? Promise.resolve() : chmod(this.base, mode);
    return namesByHandle() ? chmod(`/proc/self/fd/${this.fd}`, mode) : fchmodFd(this.fd, mode);
  }

  /** utimes(2) of the open directory. */
  utimes(atime: number, mtime: number): Promise<void> {
    if (this.fd === undefined) return this.base === this.path ? Promise.resolve() : utimes(this.base, atime, mtime);
    return namesByHandle() ? utimes(`/proc/self/fd/${this.fd}`, atime, mtime) : futimesFd(this.fd, atime, mtime);
  }

  /** Closes it; at() names by path afterwards (no other directory can take the number). */
  async close(): Promise<void> {
    const fd = this.fd;
    this.fd = undefined;
    this.base = this.path;
    if (fd !== undefined) await closeFd(fd).catch(() => undefined);
  }
}

/**
 * The directory just checked (`existing`: its lstat) or made at `at`, held
 * open (unless not `hold`), or the sink's refusal: a symbolic link found there
 * now is not followed.
 */
export async function holdDirectory(path: string, at: string, existing?: Stats, hold = true): Promise<DirHandle | { error: string }> {
  try {
    const opts = { where: at, follow: false, same: existing };
    return await (hold ? DirHandle.open(path, opts) : DirHandle.byName(path, at, opts));
  } catch (err) {
    return { error: `${path}: not written into: ${(err as { changed?: boolean }).changed ? 'another directory took its place' : strerror(err)}` };
  }
}
