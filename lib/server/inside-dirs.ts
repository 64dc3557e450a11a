// Directories known to lead inside a jail's root (entry-guard.ts has the
// reasoning): remembered by path with the device, inode and change time
// they led to, so that one stat() says a path still leads there. At most
// `max` paths are kept (then it starts afresh): the paths are a client's.
import { lstat, stat } from '../fs/byte-fs';
import { posix } from 'node:path';
import type { Jail } from './jail';

/** See the file comment. */
export class InsideDirs {
  private readonly known = new Map<string, string>(); // path → "dev:ino:ctime"

  constructor(private readonly jail: Pick<Jail, 'root' | 'contains' | 'isInside'>, private readonly max = 4096) {}

  /** True when `dir` leads to a directory inside the root; throws when it leads nowhere. */
  async leadInside(dir: string): Promise<boolean> {
    if (!this.jail.contains(dir)) return false;
    const st = await stat(dir);
    const id = `${st.dev}:${st.ino}:${st.ctimeMs}`;
    if (this.known.get(dir) === id) return true;
    const lst = await lstat(dir);
    const inside =
      dir === this.jail.root ||
      (lst.isDirectory() && (await this.leadInside(posix.dirname(dir)))) ||
      (lst.isSymbolicLink() && (await this.jail.isInside(dir)));
    if (inside) {
      if (this.known.size >= this.max) this.known.clear();
      this.known.set(dir, id);
    }
    return inside;
  }
}
