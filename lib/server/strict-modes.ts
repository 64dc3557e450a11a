// sshd's StrictModes for serve's own files: a file another user may change,
// or one in a directory another user may write (who could rename it away
// and put theirs in its place), lets that user add a key or name a new
// owner. A sticky directory (/tmp) lets no one else rename what is ours.
import { dirname } from 'node:path';
import { realpath, stat } from '../fs/byte-fs';
import { escapeForTerminal } from '../util/escape';

const octal = (mode: number): string => mode.toString(8).padStart(4, '0');

/** Why a directory above `real` (a real path) lets another user replace it, or undefined. */
export async function parentsProblem(real: string, uid = process.getuid?.()): Promise<string | undefined> {
  for (let dir = dirname(real); ; dir = dirname(dir)) {
    const st = await stat(dir);
    if (uid !== undefined && st.uid !== 0 && st.uid !== uid) return `${escapeForTerminal(dir)}, a directory above it, belongs to uid ${st.uid}, neither root nor serve's uid ${uid}`;
    const mode = st.mode & 0o7777;
    if (mode & 0o022 && !(mode & 0o1000)) return `${escapeForTerminal(dir)}, a directory above it, may be written by others (mode ${octal(mode)})`;
    if (dir === dirname(dir)) return undefined;
  }
}

/** Why another user could change the file at `path` (its owner, its mode, a directory above it), or undefined. */
export async function fileProblem(path: string, uid = process.getuid?.()): Promise<string | undefined> {
  const real = await realpath(path);
  const st = await stat(real);
  if (uid !== undefined && st.uid !== 0 && st.uid !== uid) return `it belongs to uid ${st.uid}, neither root nor serve's uid ${uid}`;
  const mode = st.mode & 0o7777;
  if (mode & 0o022) return `group or others may write it (mode ${octal(mode)}): chmod go-w it`;
  return parentsProblem(real, uid);
}
