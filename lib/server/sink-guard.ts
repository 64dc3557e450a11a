// The guard of serve's scp sink (local-sink.ts `guard`): before a file or a
// directory is made, the directory it goes into must lead inside the root,
// checked again for every entry since the client may have moved a symlink
// into the path since the last one (name-lock.ts holds serve's own renames
// back during the check and the use). A walk or realpath() from the root
// for every entry made a tree 2,000 deep cost billions of name lookups; so
// a directory found inside is remembered by device and inode, and one
// stat() then says whether the path still leads to it. A directory inode has
// one place and the server's renames keep it inside the root; a new one is
// inside when its parent is and it is a directory, not a link.
import { lstat, stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { escapeForTerminal } from '../util/escape';
import type { Jail } from './jail';

/** A guard for one sink: a refusal, or undefined to go on (a missing directory fails at its use). */
export function sinkGuard(jail: Jail): (path: string) => Promise<string | undefined> {
  const inside = new Map<string, string>(); // directory path → "dev:ino" it led to when checked

  const leadsInside = async (dir: string): Promise<boolean> => {
    const st = await stat(dir);
    const id = `${st.dev}:${st.ino}`;
    if (inside.get(dir) === id) return true;
    const lst = await lstat(dir);
    const ok =
      dir === jail.root ||
      (lst.isDirectory() && jail.contains(posix.dirname(dir)) && (await leadsInside(posix.dirname(dir)))) ||
      (lst.isSymbolicLink() && (await jail.isInside(dir)));
    if (ok) inside.set(dir, id);
    return ok;
  };

  return async (path) => {
    const dir = posix.dirname(path);
    try {
      if (!jail.contains(dir) || !(await leadsInside(dir))) return `${escapeForTerminal(jail.display(dir))}: symbolic link leads outside the root`;
    } catch {
      // missing, or not a directory: the open or mkdir that follows says so
    }
    return undefined;
  };
}
