// The spool's temporary file, private (0600), in the spool directory. On
// Linux it is made without a name (unnamed-file.ts), so even SIGKILL leaves
// nothing behind. Elsewhere, or on a file system that cannot, tmp-promise
// makes a named file, unlinked straight away while the descriptor stays open
// (on POSIX; only a SIGKILL between those two steps could leave it). All I/O
// goes through that one descriptor with explicit positions, so any number of
// replays can read it at once. Where unlinking an open file fails (Windows),
// the path is kept, removed by close(), and registered for removal at exit.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { ScpipeError } from '../errors';
import { escapeForTerminal } from '../util/escape';
import { cancelRemoveAtExit, removeAtExit } from './exit-cleanup';
import { describeIoError } from '../fs/strerror';
import { formatBytes } from './size';
import { openUnnamedFile } from './unnamed-file';
import { hasMarks, hostPath } from '../util/byte-text';

// A new private file in `dir` (whose name may hold bytes that are not UTF-8), as tmp makes one.
async function namedFile(dir: string): Promise<{ path: string; fd: number }> {
  const path = `${dir}/${SPOOL_FILE_PREFIX}${randomBytes(6).toString('hex')}`;
  const flags = fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_RDWR;
  const fd = await new Promise<number>((resolve, reject) => fs.open(hostPath(path), flags, 0o600, (err, n) => (err ? reject(err) : resolve(n))));
  return { path, fd };
}

/** Name prefix of every spool file. */
const SPOOL_FILE_PREFIX = 'scpipe-spool-';

/** An open, normally already unlinked, spool file; see the file comment. */
export class SpoolFile {
  /** Bytes the kernel has accepted so far. */
  bytesWritten = 0;
  private appendAt = 0;
  private closing: Promise<void> | null = null;
  // False once a close of the descriptor is issued: its number may be reused after that.
  private fdOpen = true;
  // Registered with removeAtExit while the file still has a name.
  private readonly removeSync = (): void => {
    this.closing ??= Promise.resolve(); // a later close() must not close the fd number again
    try {
      if (this.fdOpen) {
        this.fdOpen = false;
        fs.closeSync(this.fd);
      }
    } finally {
      if (this.linkedPath !== undefined) fs.unlinkSync(hostPath(this.linkedPath));
      this.linkedPath = undefined;
    }
  };

  private constructor(
    readonly fd: number,
    readonly dir: string,
    private linkedPath: string | undefined,
  ) {}

  /** The file's path while it still has one (unlink-while-open failed), else undefined. */
  get path(): string | undefined {
    return this.linkedPath;
  }

  /** Creates the file in `dir`; rejects with ScpipeError('ERR_SPOOL'). */
  static async create(dir: string): Promise<SpoolFile> {
    let created: { path: string; fd: number };
    try {
      const fd = await openUnnamedFile(dir, 0o600);
      if (fd !== null) return new SpoolFile(fd, dir, undefined);
      // `tmpdir`, not `dir`: tmp >= 0.2.4 refuses a `dir` outside os.tmpdir().
      // Loaded on first use: a stream that fits in RAM never pays its start-up.
      // tmp names files by a string, which Node sends as UTF-8: a --spool-dir that is not would be another directory.
      if (hasMarks(dir)) created = await namedFile(dir);
      else created = await (await import('tmp-promise')).file({
        tmpdir: dir,
        prefix: SPOOL_FILE_PREFIX,
        mode: 0o600,
        keep: true, // we remove it ourselves; keeps tmp's global list from growing
        detachDescriptor: true, // we close the fd ourselves
      });
    } catch (err) {
      throw createError(dir, err);
    }
    let linked = true;
    try {
      await fs.promises.unlink(hostPath(created.path));
      linked = false;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') linked = false;
    }
    const file = new SpoolFile(created.fd, dir, linked ? created.path : undefined);
    if (linked) removeAtExit(file.removeSync);
    return file;
  }

  /**
   * Writes `buffers` after everything appended before (positions are taken
   * now, so calls may overlap). Short writes are continued; errors reject.
   */
  append(buffers: readonly Buffer[]): Promise<void> {
    let length = 0;
    for (const buffer of buffers) length += buffer.length;
    const position = this.appendAt;
    this.appendAt += length;
    return this.writeAll(buffers, position);
  }

  /** Reads into `buffer` from `position`; resolves with the bytes read. */
  read(buffer: Buffer, length: number, position: number): Promise<number> {
    return new Promise((resolve, reject) => {
      fs.read(this.fd, buffer, 0, length, position, (err, bytesRead) =>
        err ? reject(err) : resolve(bytesRead),
      );
    });
  }

  /** Closes the descriptor and removes the file if it still has a name. Idempotent; never rejects. */
  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    this.fdOpen = false;
    await new Promise<void>((resolve) => fs.close(this.fd, () => resolve()));
    const path = this.linkedPath;
    if (path === undefined) return;
    try {
      await fs.promises.unlink(hostPath(path));
    } catch (err) {
      // Still there (and not merely gone already): leave it to the exit hook.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return;
    }
    this.linkedPath = undefined;
    cancelRemoveAtExit(this.removeSync);
  }

  private async writeAll(buffers: readonly Buffer[], position: number): Promise<void> {
    let rest = buffers;
    while (rest.length > 0) {
      const written = await writev(this.fd, rest, position);
      if (written <= 0) {
        throw Object.assign(new Error('EIO: write made no progress, write'), { code: 'EIO' });
      }
      this.bytesWritten += written;
      position += written;
      rest = skipBytes(rest, written);
    }
  }
}

/** The ERR_SPOOL error for a failed write to the spool file in `dir`. */
export function spoolWriteError(dir: string, bytesWritten: number, cause: unknown): ScpipeError {
  return new ScpipeError(
    'ERR_SPOOL',
    `cannot write spool file in ${escapeForTerminal(dir)}: ${describeIoError(cause)} ` +
      `(wrote ${formatBytes(bytesWritten)})`,
    { path: dir, bytes: BigInt(bytesWritten), cause },
  );
}

function createError(dir: string, cause: unknown): ScpipeError {
  const shown = escapeForTerminal(dir);
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  const message =
    code === 'ENOENT'
      ? `spool directory ${shown} does not exist`
      : code === 'ENOTDIR'
        ? `spool directory ${shown} is not a directory`
        : `cannot create spool file in ${shown}: ${describeIoError(cause)}`;
  return new ScpipeError('ERR_SPOOL', message, { path: dir, bytes: 0n, cause });
}

// fs.writev looked up at call time (tests wrap it to simulate a slow disk).
function writev(fd: number, buffers: readonly Buffer[], position: number): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.writev(fd, buffers as Buffer[], position, (err, bytesWritten) =>
      err ? reject(err) : resolve(bytesWritten),
    );
  });
}

// The buffers left after the first `count` bytes (views, no copies).
function skipBytes(buffers: readonly Buffer[], count: number): readonly Buffer[] {
  let index = 0;
  while (index < buffers.length && count >= buffers[index]!.length) {
    count -= buffers[index]!.length;
    index++;
  }
  if (index === buffers.length) return [];
  const rest = buffers.slice(index);
  if (count > 0) rest[0] = rest[0]!.subarray(count);
  return rest;
}
