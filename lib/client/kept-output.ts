// What the files a `get --output FILE --resume` keeps beside FILE have in
// common, a parts set's (parts/kept-restore.ts) and a single file's
// (kept-file.ts): made or opened under their one name, handed over to the
// output file that writes on and renames them, and named by a failure.
import { constants } from 'node:fs';
import { basename } from 'node:path';
import { ScpipeError } from '../errors';
import { lstat, unlink } from '../fs/byte-fs';
import { closeFd, openFd } from '../fs/fd';
import { pathError } from '../fs/strerror';
import { escapeForTerminal } from '../util/escape';

/** What follows FILE in a kept file's name: a set's HEX, or a single file's SIZE-MTIME. */
export const KEPT_SUFFIX = '.scpipe-partial-';

/** Whether `name` (in `file`'s directory) is a kept file of a `--resume` restore into `file`. */
export function isKeptRestoreName(name: string, file: string): boolean {
  const prefix = basename(file) + KEPT_SUFFIX;
  return name.startsWith(prefix) && /^([0-9a-f]{16}|\d+-\d+)$/.test(name.slice(prefix.length));
}

/** The kept file of one `get --output FILE --resume`. */
export abstract class KeptOutput {
  /** The kept file, once found or made. */
  path: string | undefined;
  /** Open for writing at `start`, until the output file takes it over. */
  fd: number | undefined;
  start = 0n;

  /** What a failure's message adds after the bytes and the path: how the next run goes on. */
  protected abstract readonly goOn: string;

  /** Makes `path` (new, 0600) or opens the one there, refused unless a regular file of this user; true when it was there. */
  protected async openOrMake(path: string): Promise<boolean> {
    const st = await lstat(path).catch(() => undefined);
    const uid = process.geteuid?.();
    if (st !== undefined && (!st.isFile() || (uid !== undefined && st.uid !== uid))) {
      throw new ScpipeError('ERR_LOCAL_IO', `${escapeForTerminal(path)}: not resumed: it is not a regular file of this user (remove it)`, { path });
    }
    const flags = st === undefined ? constants.O_CREAT | constants.O_EXCL | constants.O_RDWR | constants.O_NOFOLLOW : constants.O_RDWR | constants.O_NOFOLLOW;
    this.fd = await openFd(path, flags, 0o600).catch((err: unknown) => {
      throw new ScpipeError('ERR_LOCAL_IO', pathError(path, err), { path, cause: err });
    });
    this.path = path;
    return st !== undefined;
  }

  /** Hands the open file over (to the output file that writes and renames it). */
  take(): { path: string; fd: number; start: bigint } {
    const taken = { path: this.path!, fd: this.fd!, start: this.start };
    this.fd = undefined;
    return taken;
  }

  /** Closes the file unless it was handed over. */
  async close(): Promise<void> {
    const fd = this.fd;
    this.fd = undefined;
    if (fd !== undefined) await closeFd(fd).catch(() => undefined);
  }

  /** What `err` adds: where the bytes are kept and how to go on; empty once the file is gone (renamed onto FILE), or removed when it holds nothing. */
  async keptNote(err?: unknown): Promise<string> {
    if (this.path === undefined) return '';
    const st = await lstat(this.path).catch(() => undefined);
    if (!st?.isFile()) return '';
    if (st.size === 0) {
      await unlink(this.path).catch(() => undefined);
      return '';
    }
    return this.ownNote(BigInt(st.size), err) ?? `; the ${st.size} bytes restored so far are kept in ${escapeForTerminal(this.path)}: ${this.goOn}`;
  }

  /** The note for a failure after which going on would not help (kept-file.ts); undefined for the usual one. */
  protected ownNote(_bytes: bigint, _err: unknown): string | undefined {
    return undefined;
  }
}
