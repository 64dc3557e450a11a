// Client paths of an SFTP session mapped into the jail (jail.ts has the rules
// the scp roles use): `follow` for requests that act on what a path leads to
// (open, stat, opendir, setstat), `noFollow` for those that act on the name
// itself (lstat, remove, rename, mkdir, rmdir, readlink, symlink's new name),
// which only need its directories checked. The client's working directory is
// the root, so relative paths start there and realpath(".") is "/".
import { readlink, realpath } from '../../fs/byte-fs';
import { posix } from 'node:path';
import { ScpipeError } from '../../errors';
import { errnoCode } from '../../fs/strerror';
import { Said, said, saidOf } from '../../util/said';
import { OUTSIDE, type Jail } from '../jail';
import { shownPath } from './shown-path';
import { locate } from '../jail-dotdot';
import { LEADS_OUTSIDE, realDirectory } from '../real-directory';
import { linkText } from './link-text';
import { SftpFailure, toFailure } from './status';
import { STATUS } from './wire';

/** The jail as an SFTP session uses it. Every method throws SftpFailure. */
export class SftpPaths {
  constructor(readonly jail: Jail) {}

  /**
   * The host path for a request that follows `clientPath`; `create` allows a
   * missing last name. A trailing `/` is kept, as sftp-server hands the path
   * to the kernel: `nodir/` must be a directory, so opening it to write fails
   * (EISDIR) rather than making a file `nodir`. The jail checks the name
   * without it, since lstat() would follow a link the slash ends.
   */
  async follow(clientPath: string, opts: { create?: boolean } = {}): Promise<string> {
    const host = await this.locate(clientPath);
    try {
      await this.jail.checkNoEscape(host, { allowMissingLeaf: opts.create === true });
    } catch (err) {
      throw toFailure(err, clientPath);
    }
    return clientPath.endsWith('/') && host !== this.jail.root ? `${host}/` : host;
  }

  /** The host path for a request on the name itself: only its directories are followed. */
  async noFollow(clientPath: string): Promise<string> {
    const host = await this.locate(clientPath);
    if (host === this.jail.root) return host;
    try {
      await this.jail.checkNoEscape(posix.dirname(host), { allowMissingLeaf: false });
    } catch (err) {
      throw toFailure(err, clientPath);
    }
    return host;
  }

  /**
   * The canonical client path: symlinks inside the root resolved, `..`
   * taken after them and clamped at `/`. As OpenSSH's sftp_realpath(), the last name may be
   * missing (a new upload's target); anything else missing is an error.
   */
  async realpath(clientPath: string): Promise<string> {
    const host = await this.locate(clientPath === '' ? '.' : clientPath);
    let real: string;
    try {
      real = await realpath(host);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT' || host === this.jail.root) throw toFailure(err, clientPath);
      real = posix.join(await this.realDirectory(posix.dirname(host), clientPath), posix.basename(host));
    }
    if (!this.jail.contains(real)) throw this.outside(clientPath);
    return this.jail.display(real);
  }

  /** A symlink's target as the client may see it; targets outside the root are not shown. */
  async readlink(clientPath: string): Promise<string> {
    const host = await this.noFollow(clientPath);
    let text: string;
    try {
      text = await readlink(host);
    } catch (err) {
      throw toFailure(err, clientPath);
    }
    if (posix.isAbsolute(text)) {
      if (!this.jail.contains(text)) throw this.outside(clientPath);
      return this.jail.display(text);
    }
    // Its `..`s taken the kernel's way, as symlinkTarget() stores them (`inner/../../x`).
    const dir = await this.realDirectory(posix.dirname(host), clientPath);
    if ((await linkText(this.jail, dir, text)) === LEADS_OUTSIDE) throw this.outside(clientPath);
    return text;
  }

  /**
   * The text to store for a new symlink at `linkHost` pointing at the
   * client's `target`, or a refusal when it would lead outside the root.
   * The client's names and `..`s are kept, as sftp-server keeps them, an
   * absolute target made relative to the link's directory (link-text.ts).
   */
  async symlinkTarget(linkHost: string, target: string, clientLink: string): Promise<string> {
    if (target === '' || target.includes('\0')) throw new SftpFailure(STATUS.BAD_MESSAGE, said`bad symbolic link target`);
    const dir = await this.realDirectory(posix.dirname(linkHost), clientLink);
    const link = await linkText(this.jail, dir, target);
    if (link === LEADS_OUTSIDE || !(await this.leadsInside(link.leadsTo))) {
      throw new SftpFailure(STATUS.PERMISSION_DENIED, said`${this.shown(clientLink)}: Permission denied (symbolic link would lead outside the root)`);
    }
    return link.text;
  }

  /** The client's view of a host path, for messages and (as a string: escaped) logs. */
  shown(clientPath: string): Said {
    return shownPath(clientPath);
  }

  /** locate() (jail-dotdot.ts): `..` after the links before it; its refusal as a status. */
  async locate(clientPath: string): Promise<string> {
    this.resolve(clientPath); // a NUL is a bad message, not a missing file
    try {
      return await locate(this.jail, clientPath);
    } catch (err) {
      throw toFailure(err, clientPath);
    }
  }

  /** jail.resolve() with its refusal as a status. */
  resolve(clientPath: string): string {
    try {
      return this.jail.resolve(clientPath);
    } catch (err) {
      throw err instanceof ScpipeError ? new SftpFailure(STATUS.BAD_MESSAGE, saidOf(err)) : err;
    }
  }

  // Whether a new link to `hostTarget` leads inside once the links on its way
  // (`outf` -> ../outside) are followed, as hardlink refuses a second name for
  // such a link. A target missing on the way is a dangling link, as sftp-server
  // makes: its use is checked when it is followed.
  private async leadsInside(hostTarget: string): Promise<boolean> {
    try {
      await this.jail.checkNoEscape(hostTarget, { allowMissingLeaf: true });
    } catch (err) {
      return !(err instanceof ScpipeError && err.code === 'ERR_UNSAFE_NAME');
    }
    return true;
  }

  // realDirectory() (real-directory.ts) with its outcome as a status.
  private async realDirectory(hostDir: string, clientPath: string): Promise<string> {
    let real: string | typeof LEADS_OUTSIDE;
    try {
      real = await realDirectory(this.jail, hostDir);
    } catch (err) {
      throw toFailure(err, clientPath);
    }
    if (real === LEADS_OUTSIDE) throw this.outside(clientPath);
    return real;
  }

  private outside(clientPath: string): SftpFailure {
    return new SftpFailure(STATUS.PERMISSION_DENIED, said`${this.shown(clientPath)}: ${Said.plain(OUTSIDE)}`);
  }
}
