// Target resolution for the local sink (docs/protocol.md §4.3): decided once, when
// the transfer starts, as OpenSSH's sink() does with `stat(targ)`. Also the
// one place that follows a dangling symlink: the server's jail checks the
// same path this file writes to, so both must follow links the same way.
import { said, saidError } from '../util/said';
import { lstat, readlink, realpath, stat } from './byte-fs';
import { posix } from 'node:path';
import { ScpipeError } from '../errors';
import { plantedByOther } from './planted';
import { strerror } from './strerror';

/** Symlink hops we follow through one chain (Linux's limit, MAXSYMLINKS). */
const MAX_HOPS = 40;

// A descriptor's link (/proc/PID/fd/N, where /dev/stdout and /dev/fd/N lead):
// open() goes to the open file itself, whatever the link's text says, and for a
// pipe or socket that text ("pipe:[1234]") is no path at all.
const DESCRIPTOR_DIR = /^\/proc\/(?:\d+|self|thread-self)(?:\/task\/\d+)?\/fd$/;

/** Whether the link `path` (its text: `text`) is a descriptor's that names no file: open() follows it, readlink() cannot. */
export async function isDescriptorLink(path: string, text: string): Promise<boolean> {
  if (posix.isAbsolute(text)) return false;
  const dir = await realpath(posix.dirname(path)).catch(() => undefined); // /dev/fd is /proc/self/fd
  return dir !== undefined && DESCRIPTOR_DIR.test(dir);
}

/** Where the sink writes: into `path` (a directory) or to `path` itself. */
export interface ResolvedTarget {
  path: string;
  isDirectory: boolean;
  /** The directory's identity when resolved: the sink writes into no other. */
  id?: { dev: number; ino: number };
}

/**
 * An existing directory (or a symlink to one: the user chose it) receives
 * entries under it. Otherwise the target is the output path; if it is a
 * symlink the user gave, we write where it points, as OpenSSH's open()
 * would, even when it dangles. Symlinks *below* the target are never followed.
 * Rejects with ERR_LOCAL_IO when open() could not write through the link,
 * or when a link in the chain is another user's in a sticky directory (planted.ts).
 */
export async function resolveTarget(target: string): Promise<ResolvedTarget> {
  try {
    // `x/` is followed by stat() below even where x is a link: its chain is looked at first.
    await followLinks(stripTrailingSlashes(target)).catch((err: unknown) => {
      if (plantedDetail(err) !== undefined) throw err;
    });
    const st = await stat(target).catch(() => undefined);
    if (st?.isDirectory()) {
      const dir = stripTrailingSlashes(target);
      const own = await lstat(dir).catch(() => undefined);
      const planted = own?.isDirectory() ? await plantedByOther(dir, own) : undefined;
      if (planted !== undefined) throw saidError('ERR_LOCAL_IO', said`${target}: not written into: ${planted}`, { path: target });
      return { path: dir, isDirectory: true, id: { dev: st.dev, ino: st.ino } };
    }
    return { path: await followLinks(target), isDirectory: false };
  } catch (err) {
    if (err instanceof ScpipeError) throw err;
    const planted = plantedDetail(err);
    const why = planted === undefined ? strerror(err) : `not followed: ${planted}`;
    throw saidError('ERR_LOCAL_IO', said`${target}: ${why}`, { path: target, cause: err });
  }
}

/** What followLinks() said of a link another user planted (planted.ts), or undefined. */
export function plantedDetail(err: unknown): string | undefined {
  const detail = (err as { planted?: unknown } | null)?.planted;
  return typeof detail === 'string' ? detail : undefined;
}

/** `dir///` → `dir`; `/` stays `/` (OpenSSH's source does the same, §5.1). */
export function stripTrailingSlashes(path: string): string {
  const stripped = path.replace(/\/+$/, '');
  return stripped === '' && path !== '' ? '/' : stripped;
}

/**
 * Where open(path, O_WRONLY | O_CREAT) writes: `path` itself unless it is a
 * symlink, else the end of its chain of links, even a dangling one. Followed
 * the kernel's way, not lexically: in a link to `sub/../x` the kernel follows
 * `sub` before `..` applies, so each link's directory part is realpath()ed
 * (it must exist, as for open()) and only its last name is kept. `onHop` sees
 * each of those real directories before anything in it is looked at, so a
 * caller can refuse one by throwing (the server's jail: outside its root).
 * A descriptor's link to a pipe or socket is itself the end (isDescriptorLink).
 * Rejects with open()'s errno: ENOENT or ENOTDIR for a missing directory,
 * EISDIR for a link ending in `/`, `.` or `..`, ELOOP for a long chain,
 * EACCES (with `planted`, the reason) for a link another user put in a
 * shared sticky directory, which the kernel would not follow either.
 */
export async function followLinks(path: string, onHop?: (dir: string) => void): Promise<string> {
  let cur = path;
  for (let hops = 0; ; hops++) {
    const st = await lstat(cur).catch(() => undefined); // missing: open() creates it; other errors: open() reports them
    if (!st?.isSymbolicLink()) return cur;
    if (hops >= MAX_HOPS) throw errnoError('ELOOP', path);
    const planted = await plantedByOther(cur, st);
    if (planted !== undefined) throw Object.assign(errnoError('EACCES', path), { planted }); // as fs.protected_symlinks
    const to = await readlink(cur);
    if (await isDescriptorLink(cur, to)) return cur;
    const raw = posix.isAbsolute(to) ? to : `${posix.dirname(cur)}/${to}`;
    const dir = await realpath(posix.dirname(raw));
    onHop?.(dir);
    const name = posix.basename(raw);
    if (to.endsWith('/') || name === '' || name === '.' || name === '..') throw errnoError('EISDIR', path);
    cur = dir === '/' ? `/${name}` : `${dir}/${name}`;
  }
}

// A Node-style system error, for strerror() and errnoCode().
function errnoError(code: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${path}`), { code, path });
}
