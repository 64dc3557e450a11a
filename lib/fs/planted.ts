// A name another user put in a shared sticky directory (/tmp) before we
// write there: a symlink to the user's ~/.bashrc, a FIFO that reads the
// backup, a file whose mode we would keep. The kernel refuses to follow or
// O_CREAT-open those for scp and cp (fs.protected_symlinks, protected_fifos,
// protected_regular), but scpipe follows links with readlink() and opens the
// end without O_CREAT, which those checks never see; so it asks the same here.
// A directory of theirs is refused too: its owner can swap what is in it for
// links between our checks and our writes (the scp/rsync race on /tmp). Only
// where anyone could have made it (world-writable, as protected_symlinks): in
// a team's sticky group directory (3775) a colleague's is where the team works.
import type { Stats } from 'node:fs';
import { stat } from './byte-fs';
import { posix } from 'node:path';

const S_ISVTX = 0o1000;
const GROUP_OR_OTHERS_WRITE = 0o022;
const OTHERS_WRITE = 0o002;

/**
 * Why `path` (its lstat: `st`; `shown` in messages) must not be followed or
 * written into, or undefined: it lies in a sticky directory that others can
 * write to, and belongs neither to us nor to the directory's owner (the kernel's rule).
 */
export async function plantedByOther(path: string, st: Stats, shown = path): Promise<string | undefined> {
  const euid = process.geteuid?.();
  if (euid === undefined || st.uid === euid) return undefined;
  const dirPath = posix.dirname(shown);
  const dir = await stat(posix.dirname(path)).catch(() => undefined);
  const writable = st.isDirectory() ? OTHERS_WRITE : GROUP_OR_OTHERS_WRITE;
  if (!dir || (dir.mode & S_ISVTX) === 0 || (dir.mode & writable) === 0 || dir.uid === st.uid) return undefined;
  // Their directory may hold their work (root restoring into a user's /tmp/job): not "remove it".
  if (st.isDirectory()) return `a directory of another user (uid ${st.uid}) in ${dirPath}, a sticky directory anyone can write to: copy into a directory of your own (or run as uid ${st.uid})`;
  const what = st.isSymbolicLink() ? 'a symbolic link' : st.isFIFO() ? 'a FIFO' : st.isFile() ? 'a file' : 'a special file';
  return `${what} of another user (uid ${st.uid}) in ${dirPath}, a sticky directory others can write to: remove it or give another name`;
}
