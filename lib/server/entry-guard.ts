// Guards of serve's scp roles (the `guard` of local-sink-types.ts and local-source-types.ts):
// each entry a transfer makes or sends must lead inside the root, checked
// again for every entry since the client may have moved a symlink into the
// path since the last one (name-lock.ts holds serve's own renames back
// during the check and the use). A realpath() or a walk from the root for
// every entry made a tree 1,500 deep cost a minute of the thread pool (each
// lookup walks the whole path again); so the jail remembers a directory
// found inside (inside-dirs.ts, one cache for all clients) by device, inode
// and change time, and one stat() then says whether its path still leads to
// it. A directory inode has one place and the server's renames keep it
// inside the root (the change time tells a reused inode number apart, and
// any change only costs a new check); a new one is inside when its parent
// is and it is a directory, not a link. Only symbolic links cost a realpath().
import { lstat } from '../fs/byte-fs';
import { posix } from 'node:path';
import { OUTSIDE, type Jail } from './jail';

type Guard = (path: string) => Promise<string | undefined>;

/** The sink's guard: the directory a new entry goes into leads inside (the sink refuses a link as the entry itself). */
export function sinkGuard(jail: Jail): Guard {
  return async (path) => {
    const dir = posix.dirname(path);
    try {
      // A host path, as in the sink's other messages, which the session shows from the root.
      if (!(await jail.leadsInside(dir))) return `${dir}: ${OUTSIDE}`;
    } catch {
      // missing, or not a directory: the open or mkdir that follows says so
    }
    return undefined;
  };
}

/** The source's guard: following the entry (as stat and open do) stays inside. */
export function sourceGuard(jail: Jail): Guard {
  return async (path) => {
    try {
      const inDir = path === jail.root || (await jail.leadsInside(posix.dirname(path)));
      if (inDir && (!(await lstat(path)).isSymbolicLink() || (await jail.isInside(path)))) return undefined;
    } catch {
      return undefined; // missing: the stat that follows says "No such file or directory"
    }
    return OUTSIDE;
  };
}
