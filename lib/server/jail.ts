// Confines the paths a client names to the server's root directory
// (DESIGN.md, Safety rules: "The server never lets a client reach outside its
// root"). Two steps, because they fail differently:
//   - resolve() is lexical: `..` never climbs above the root, and both `/x`
//     and `x` mean root/x (the root is the client's home);
//   - checkNoEscape() asks the filesystem: every existing component is
//     lstat'ed from the root down, and a symbolic link is followed only when
//     its real path stays inside the root.
// Messages show display() paths (`/photos/a.jpg`), never the real root, and
// carry no `cause`, whose Node message would name the host path.
//
// Remaining race: Node has no openat()/O_BENEATH/RESOLVE_BENEATH, so we check
// the path and then the caller opens it by name. The server's own renames
// wait for those (`names`, name-lock.ts), so a client cannot race them; a
// local user who swaps a checked directory for a symlink in between could
// still escape, except in an scp -t upload, whose sink writes through the
// directories it checked, held open (fs/dir-handle.ts). The server is meant
// for roots that only it writes.
import { constants } from 'node:fs';
import { access, lstat, realpath, stat } from '../fs/byte-fs';
import { posix } from 'node:path';
import { isScpipeError, ScpipeError } from '../errors';
import { joinName } from '../fs/join-name';
import { errnoCode, strerror } from '../fs/strerror';
import { deniedToServe } from './serve-uid';
import { followLinks } from '../fs/target';
import { escapeForTerminal } from '../util/escape';
import { Said, said, saidError } from '../util/said';
import { InsideDirs } from './inside-dirs';
import { NameLock } from './name-lock';

/** A root directory that client paths are confined to. */
export class Jail {
  /** The real, absolute path of the root (no symlinks, no trailing slash). */
  readonly root: string;

  /** Held around every check and the use after it, alone by requests that move names (name-lock.ts). */
  readonly names = new NameLock();

  // The root where it begins a path in a message; see hideRoot().
  private readonly rootInText: RegExp;

  // Directories found inside: a path's directories cost one stat() once known.
  private readonly dirs = new InsideDirs(this);

  /** `root` must already be real and absolute; use Jail.create() for a user-given path. */
  constructor(root: string) {
    if (!posix.isAbsolute(root)) throw new ScpipeError('ERR_USAGE', `the server root must be an absolute path: ${escapeForTerminal(root)}`);
    this.root = posix.normalize(root).replace(/(.)\/+$/, '$1');
    // Messages show paths escaped: a root with a backslash or a control character is hidden in that form too.
    const quote = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const forms = [...new Set([this.root, escapeForTerminal(this.root)])].map(quote).join('|');
    this.rootInText = new RegExp(`(^|[\\s'"([])(?:${forms})(?:/|(?=$|[\\s:'")\\]]))`, 'g');
  }

  /** A jail on the real path of `root`, which must be a directory; taken once, here. */
  static async create(root: string): Promise<Jail> {
    const shown = escapeForTerminal(root);
    let real: string;
    try {
      real = await realpath(root);
      if (!(await stat(real)).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
      // A root serve's own user cannot list or enter (a service user given root's 0700
      // directory) failed every request of every client, while serve looked healthy.
      await access(real, constants.R_OK | constants.X_OK);
    } catch (err) {
      throw new ScpipeError('ERR_USAGE', `server root ${shown}: ${strerror(err)}${deniedToServe(err)}`, { path: root, cause: err });
    }
    return new Jail(real);
  }

  /**
   * The host path for a client path, lexically inside the root: `''`, `.`
   * and `/` are the root; `/../../etc` is root/etc. Trailing slashes go.
   * Refuses a NUL, which no system call can take.
   */
  resolve(clientPath: string): string {
    if (clientPath.includes('\0')) {
      throw saidError('ERR_UNSAFE_NAME', said`${clientPath}: bad character in path`);
    }
    // resolve('/', …) never consults the cwd and clamps `..` at `/`.
    return this.toHost(posix.resolve('/', clientPath));
  }

  /** True when `hostPath` is the root or lexically below it (no filesystem access). */
  contains(hostPath: string): boolean {
    const p = posix.normalize(hostPath);
    return this.root === '/' || p === this.root || p.startsWith(`${this.root}/`);
  }

  /**
   * The path as the client sees it (`/photos/a.jpg`), for messages. Raw text:
   * escape it before it reaches a terminal. A path outside the root is never
   * shown, since it would reveal the host's layout.
   */
  display(hostPath: string): string {
    const p = posix.normalize(hostPath);
    if (!this.contains(p)) return '(outside the root)';
    if (this.root === '/') return p;
    return p === this.root ? '/' : p.slice(this.root.length);
  }

  /**
   * `text` (a message, a log line) with host paths under the root shown as
   * the client sees them: the root becomes `/` where it begins a path, i.e.
   * at the start of the text or after a space, quote or bracket, and ends at
   * a `/` or a path's end. Elsewhere (`/x/<root>/y`, `<root>-old`) it stays.
   * With `/` as the root, host paths are client paths: nothing changes.
   */
  hideRoot(text: string): string {
    if (this.root === '/') return text;
    return text.replace(this.rootInText, (_match, before: string) => `${before}/`);
  }

  /**
   * Checks that using `hostPath` (from resolve()) cannot leave the root: every
   * existing component is lstat'ed from the root down; a symlink must resolve
   * inside the root, and the walk goes on from its target. A missing
   * component is an error, except the leaf with `allowMissingLeaf` (a new
   * upload target). A dangling symlink as that leaf is followed to where
   * open(O_CREAT) would create the file, which must be inside too.
   * Throws ERR_UNSAFE_NAME for an escape, ERR_LOCAL_IO for "No such file…".
   */
  async checkNoEscape(hostPath: string, opts: { allowMissingLeaf: boolean }): Promise<void> {
    const p = posix.normalize(hostPath);
    if (!posix.isAbsolute(p) || !this.contains(p)) {
      throw new ScpipeError('ERR_UNSAFE_NAME', 'path is outside the root');
    }
    // Most paths are in a directory already known inside: then only the last
    // name needs looking at. The walk below costs a round trip to the thread
    // pool per name, each walking the whole prefix again: ~200 ms for a path
    // 1,500 deep, which every request of a client could ask for.
    if (p !== this.root && (await this.leadsInside(posix.dirname(p)).catch(() => false))) {
      return this.checkLeaf(p, opts.allowMissingLeaf);
    }
    const names = this.relativeNames(p);
    let cur = this.root;
    for (let i = 0; i < names.length; i++) {
      const leaf = i === names.length - 1;
      const next = joinName(cur, names[i]!);
      const shownLink = this.display(this.toHost(`/${names.slice(0, i + 1).join('/')}`));
      let st;
      try {
        st = await lstat(next);
      } catch (err) {
        if (errnoCode(err) === 'ENOENT' && leaf && opts.allowMissingLeaf) return;
        throw this.ioError(p, err);
      }
      cur = st.isSymbolicLink() ? await this.follow(next, p, shownLink, leaf && opts.allowMissingLeaf) : next;
    }
  }

  /**
   * True when directory `dir` leads to a directory inside the root; throws
   * when it leads nowhere. One stat() for a directory found inside before
   * (inside-dirs.ts): serve's scp roles ask it for every entry (entry-guard.ts).
   */
  leadsInside(dir: string): Promise<boolean> {
    return this.dirs.leadInside(dir);
  }

  // checkNoEscape()'s last step for `p`, whose directory leads inside.
  private async checkLeaf(p: string, allowMissingLeaf: boolean): Promise<void> {
    let st;
    try {
      st = await lstat(p);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' && allowMissingLeaf) return;
      throw this.ioError(p, err);
    }
    if (st.isSymbolicLink()) await this.follow(p, p, this.display(p), allowMissingLeaf);
  }

  /**
   * True unless following `hostPath` lands outside the root: its real path
   * must be inside. For a tree walker, per entry, before it stats (follows)
   * it. A path that does not resolve (missing, dangling, a loop) is judged
   * lexically: there is nothing to follow, and the walker's own stat() then
   * fails the same way and reports OpenSSH's "No such file or directory"
   * rather than a misleading "leads outside".
   */
  async isInside(hostPath: string): Promise<boolean> {
    let real: string;
    try {
      real = await realpath(hostPath);
    } catch {
      return posix.isAbsolute(hostPath) && this.contains(hostPath);
    }
    return this.contains(real);
  }

  // The real target of the symlink `link`, which must be inside the root.
  private async follow(link: string, requested: string, shownLink: string, allowMissing: boolean): Promise<string> {
    let real: string;
    try {
      real = await realpath(link);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT' || !allowMissing) throw this.ioError(requested, err);
      return this.followDangling(link, requested, shownLink);
    }
    if (!this.contains(real)) throw escapeError(shownLink);
    return real;
  }

  // Where open(O_CREAT) through the dangling link `link` would create the
  // file: followLinks() is also what the local sink writes through, so the
  // path checked here is the path written. Every directory the chain leads
  // into must be inside the root.
  private async followDangling(link: string, requested: string, shownLink: string): Promise<string> {
    try {
      return await followLinks(link, (dir) => {
        if (!this.contains(dir)) throw escapeError(shownLink);
      });
    } catch (err) {
      throw isScpipeError(err) ? err : this.ioError(requested, err);
    }
  }

  // root + an absolute, normalised client-side path.
  private toHost(clientAbs: string): string {
    if (clientAbs === '/') return this.root;
    return this.root === '/' ? clientAbs : this.root + clientAbs;
  }

  private relativeNames(p: string): string[] {
    const rel = this.root === '/' ? p : p.slice(this.root.length);
    return rel.split('/').filter((n) => n !== '');
  }

  // OpenSSH's "path: strerror" with the client's view of the path.
  private ioError(hostPath: string, err: unknown): ScpipeError {
    const shown = this.display(hostPath);
    return saidError('ERR_LOCAL_IO', said`${shown}: ${Said.plain(strerror(err))}`, { path: shown });
  }
}

/**
 * The reason every refusal of a link that leads outside gives, over SCP and
 * SFTP alike: OpenSSH's sftp and scp show only the status, `Permission
 * denied`, so scp -O and scpipe say those words too, and why.
 */
export const OUTSIDE = 'Permission denied (symbolic link leads outside the root)';

function escapeError(shownLink: string): ScpipeError {
  return saidError('ERR_UNSAFE_NAME', said`${shownLink}: ${Said.plain(OUTSIDE)}`, {
    path: shownLink,
  });
}
