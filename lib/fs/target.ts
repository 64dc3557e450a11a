// Target resolution for the local sink (PROTOCOL.md §4.3): decided once, when
// the transfer starts, as OpenSSH's sink() does with `stat(targ)`.
import { lstat, readlink, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/** Symlink hops we follow for the user's own target (Linux's limit). */
const MAX_HOPS = 40;

/** Where the sink writes: into `path` (a directory) or to `path` itself. */
export interface ResolvedTarget {
  path: string;
  isDirectory: boolean;
}

/**
 * An existing directory (or a symlink to one: the user chose it) receives
 * entries under it. Otherwise the target is the output path; if it is a
 * symlink the user gave, we write where it points, as OpenSSH's open()
 * would, even when it dangles. Symlinks *below* the target are never followed.
 */
export async function resolveTarget(target: string): Promise<ResolvedTarget> {
  const st = await stat(target).catch(() => undefined);
  if (st?.isDirectory()) return { path: stripTrailingSlashes(target), isDirectory: true };
  return { path: await followLinks(target, 0), isDirectory: false };
}

/** `dir///` → `dir`; `/` stays `/` (OpenSSH's source does the same, §5.1). */
export function stripTrailingSlashes(path: string): string {
  const stripped = path.replace(/\/+$/, '');
  return stripped === '' && path !== '' ? '/' : stripped;
}

async function followLinks(path: string, hops: number): Promise<string> {
  const st = await lstat(path).catch(() => undefined);
  if (!st?.isSymbolicLink() || hops >= MAX_HOPS) return path;
  const to = await readlink(path);
  return followLinks(resolve(dirname(path), to), hops + 1);
}
