// What the files a `get --output FILE --resume` keeps beside FILE have in
// common, a parts set's (parts/kept-restore.ts) and a single file's
// (kept-file.ts): found beside FILE, made or opened under their one name,
// read back (a sum to go on with, parts checked), handed over to the output
// file that writes on and renames them, and named by a failure.
import { constants, ftruncate, read, type Stats } from 'node:fs';
import { basename, dirname } from 'node:path';
import { promisify } from 'node:util';
import { ScpipeError, abortError } from '../errors';
import { lstat, unlink } from '../fs/byte-fs';
import { closeFd, openFd } from '../fs/fd';
import { errnoCode, pathError } from '../fs/strerror';
import { resolveTarget } from '../fs/target';
import { escapeForTerminal } from '../util/escape';
import type { ResumeEvent } from './parts/kept-restore';

const readAt = promisify(read);
const truncateFd = promisify(ftruncate);
const CHUNK = 1024 * 1024;

/** Whether `st` is a regular file of this user: one a run of it may open, or remove. */
export function isOwnFile(st: Stats | undefined): st is Stats {
  const uid = process.geteuid?.();
  return st !== undefined && st.isFile() && (uid === undefined || st.uid === uid);
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
  private buffer: Buffer | undefined; // for reading the kept bytes back

  /** `output`: FILE; `onEvent`: told what the run finds and where it starts. */
  constructor(
    protected readonly output: string,
    protected readonly onEvent?: (event: ResumeEvent) => void,
  ) {}

  /** Closes what an earlier try opened, and finds where FILE is (not a directory): its kept file goes beside it. */
  protected async beside(): Promise<{ dir: string; base: string; file: string }> {
    await this.close(); // a retried opening
    const target = await resolveTarget(this.output);
    if (target.isDirectory) throw new ScpipeError('ERR_LOCAL_IO', `${escapeForTerminal(this.output)}: Is a directory`, { path: this.output });
    return { dir: dirname(target.path), base: basename(target.path), file: target.path };
  }

  /** Makes `path` (new, 0600) or opens the one there, refused unless a regular file of this user; true when it was there. */
  protected async openOrMake(path: string): Promise<boolean> {
    const st = await lstat(path).catch(() => undefined);
    if (st !== undefined && !isOwnFile(st)) {
      throw new ScpipeError('ERR_LOCAL_IO', `${escapeForTerminal(path)}: not resumed: it is not a regular file of this user (remove it)`, { path });
    }
    const flags = st === undefined ? constants.O_CREAT | constants.O_EXCL | constants.O_RDWR | constants.O_NOFOLLOW : constants.O_RDWR | constants.O_NOFOLLOW;
    this.fd = await openFd(path, flags, 0o600).catch((err: unknown) => {
      throw new ScpipeError('ERR_LOCAL_IO', pathError(path, err), { path, cause: err });
    });
    this.path = path;
    return st !== undefined;
  }

  /** Feeds `bytes` of the open file from `offset` to `each`, a chunk at a time; `doing`: what the reading is for, should the file shrink meanwhile. */
  protected async readBack(offset: bigint, bytes: bigint, each: (chunk: Buffer) => void, doing: string, signal?: AbortSignal): Promise<void> {
    const buffer = (this.buffer ??= Buffer.allocUnsafe(CHUNK));
    for (let done = 0n; done < bytes; ) {
      if (signal?.aborted) throw abortError(signal);
      const want = Number(bytes - done < BigInt(CHUNK) ? bytes - done : BigInt(CHUNK));
      const { bytesRead } = await readAt(this.fd!, buffer, 0, want, Number(offset + done));
      if (bytesRead === 0) throw new ScpipeError('ERR_LOCAL_IO', `${escapeForTerminal(this.path!)}: it shrank while it was ${doing}`, { path: this.path });
      each(buffer.subarray(0, bytesRead));
      done += BigInt(bytesRead);
    }
  }

  /** Cuts the open file back to its first `bytes`. */
  protected async cutBack(bytes: bigint): Promise<void> {
    await truncateFd(this.fd!, Number(bytes));
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
    this.buffer = undefined;
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
    return this.ownNote(BigInt(st.size), err) ?? `; the ${st.size} bytes restored so far are kept in ${escapeForTerminal(this.path)}: ${fullFirst(err)}${this.goOn}`;
  }

  /** The note for a failure after which going on would not help (kept-file.ts); undefined for the usual one. */
  protected ownNote(_bytes: bigint, _err: unknown): string | undefined {
    return undefined;
  }
}

// A disk that filled is full still, the kept bytes on it: a run again at once would only fill it again.
// Only the kept file's own write (ERR_LOCAL_IO): a full spool directory may be another disk.
function fullFirst(err: unknown): string {
  if (!(err instanceof ScpipeError) || err.code !== 'ERR_LOCAL_IO') return '';
  const code = errnoCode(err.cause);
  return code === 'ENOSPC' || code === 'EDQUOT' ? 'its file system is full: make room there first, then ' : '';
}
