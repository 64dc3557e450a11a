// The remote end of `cp` downloads over SFTP: remote files and trees walked
// as OpenSSH's scp does in its SFTP mode (sftp-client.c download_dir with
// links followed), into the same local sink that SCP downloads use
// (fs/local-sink.ts: temporary file and rename per file, nothing written
// through a symlink, modes and times as scp sets them). The top-level name
// is the one requested; every name below it comes from a checked listing
// (sftp/listing.ts). Each file is read pipelined to exactly its fstat size,
// and must end there. A problem with one item is reported (onProblem) and
// the copy goes on; a lost session, a protocol error or an abort ends it.
// Replies are read into memory used again (sftp/reply-pool.ts) once the
// sink's writer says it is done with a chunk; a sink that never says keeps it.
import type { Stats } from 'ssh2';
import { ScpipeError, abortError, throwIfAborted } from '../errors';
import type { SinkHandler, ReceivedTimes } from '../protocol/sink-types';
import { listDirectory } from '../sftp/listing';
import { readOrdered } from '../sftp/reader';
import { replyPool } from '../sftp/reply-pool';
import type { SftpSession } from '../sftp/session';
import { escapeForTerminal } from '../util/escape';
import { settledOrAborted } from '../util/abort';
import { READ_AHEAD_PER_LANE } from './sftp-get';
import { PREFETCH_FILES, fetchWhole, fetchable, type Fetched } from './sftp-prefetch';
import { isFatal } from './sftp-tree-dirs';

/**
 * Directory depth at which a download stops descending. OpenSSH's scp stops
 * at 64 (MAX_DIR_DEPTH), its guard against link loops; loops are found here
 * by real path, so this only bounds a hostile server's endless tree, and
 * `cp -r` restores the deep trees it uploads (node_modules) from an sftp-only host.
 */
export const MAX_DEPTH = 1024;

/** Options of SftpTreeReader. */
export interface TreeReaderOptions {
  recursive: boolean;
  preserve: boolean;
  signal?: AbortSignal;
  trace?: (line: string) => void;
  onProblem?: (err: ScpipeError) => void;
  /** Progress of each file: its start (0 bytes), then bytes as they are stored. */
  onFileProgress?: (name: string, bytes: bigint, total: bigint) => void;
  /** Bound on one directory's entries (listing.ts's default when unset). */
  maxEntries?: number;
}

/** See the file comment. */
export class SftpTreeReader {
  /** The first problem (thrown at the end); the others were said: a hostile listing can hold a million bad names. */
  firstProblem: ScpipeError | undefined;

  constructor(private readonly session: SftpSession, private readonly opts: TreeReaderOptions) {}

  /** Copies `path` (its name is `name`) into the sink. */
  async copy(path: string, name: string, sink: SinkHandler): Promise<void> {
    await this.guard(async () => {
      const st = await this.session.stat(path); // follows a link, as scp does
      await this.item(path, name, st, sink, 0, []);
    });
  }

  // `chain`: the real paths of the directories being walked, outermost first.
  private async item(path: string, name: string, st: Stats, sink: SinkHandler, depth: number, chain: string[], linked = true): Promise<void> {
    throwIfAborted(this.opts.signal);
    if (st.isDirectory()) {
      if (!this.opts.recursive) return this.problem(path, 'is a directory (use -r)');
      // A directory reached through a link may be one being walked: a loop. Found
      // by its real path (SFTP has no inode numbers); one below needs no round trip.
      const parent = chain[chain.length - 1];
      const real = linked || parent === undefined ? await this.session.realpath(path) : `${parent === '/' ? '' : parent}/${name}`;
      if (chain.includes(real)) return this.problem(path, 'directory loop (a symbolic link to a parent), not copied');
      return this.directory(path, name, st, sink, depth, [...chain, real]);
    }
    if (!st.isFile()) return this.problem(path, 'not a regular file');
    return this.file(path, name, sink, depth);
  }

  private async directory(path: string, name: string, st: Stats, sink: SinkHandler, depth: number, chain: string[]): Promise<void> {
    if (depth >= MAX_DEPTH) return this.problem(path, `more than ${MAX_DEPTH} directory levels; not descending`);
    const refused = await sink.enterDirectory({ type: 'D', mode: st.mode & 0o7777, name }, this.timesOf(st), depth);
    if (refused) return this.report(new ScpipeError('ERR_LOCAL_IO', String(refused.error), { path }));
    try {
      const entries = await this.guard(() =>
        listDirectory(this.session, path, { maxEntries: this.opts.maxEntries, onBadName: (err) => this.report(err) }),
      );
      const list = entries ?? [];
      const childOf = (name: string): string => (path === '/' ? `/${name}` : `${path}/${name}`);
      // Fetches under way of the small files from here on (sftp-prefetch.ts); never rejected.
      const ahead = new Map<number, Promise<Fetched>>();
      let next = 0;
      for (let i = 0; i < list.length; i++) {
        const entry = list[i]!;
        const child = childOf(entry.name);
        next = Math.max(next, i);
        for (; next < list.length && next - i < PREFETCH_FILES && fetchable(list[next]!); next++) {
          ahead.set(next, fetchWhole(this.session, childOf(list[next]!.name)));
        }
        const fetched = ahead.get(i);
        ahead.delete(i);
        await this.guard(async () => {
          const got = fetched && (await fetched);
          if (got && 'error' in got) throw got.error;
          if (got && 'st' in got) return this.store(child, entry.name, got.st, got.chunks, sink, depth + 1);
          // A link is followed (stat), as scp does; item() refuses a loop.
          const linked = entry.attrs.isSymbolicLink();
          const st2 = linked ? await this.session.stat(child) : entry.attrs;
          await this.item(child, entry.name, st2, sink, depth + 1, chain, linked);
        });
      }
    } finally {
      await sink.leaveDirectory(depth);
    }
  }

  private async file(path: string, name: string, sink: SinkHandler, depth: number): Promise<void> {
    const handle = await this.session.open(path, 'r');
    try {
      const st = await this.session.fstat(handle, path);
      const lane = { session: this.session, handle };
      const pieceSize = this.session.limits.maxRead;
      const chunks = readOrdered([lane], st.size, { path, pieceSize, maxInFlight: READ_AHEAD_PER_LANE, checkEnd: true, pool: replyPool });
      await this.store(path, name, st, chunks, sink, depth);
    } finally {
      // Not waited for after an abort: the file is stored (or not) by now, and a
      // server slow to answer held a stored copy's exit for the 10 s bound.
      await settledOrAborted(this.session.close(handle, path), this.opts.signal);
    }
  }

  // Stores one remote file, described by its open handle's `st`, from its bytes as they are read (or were, ahead).
  private async store(path: string, name: string, st: Stats, chunks: AsyncIterable<Buffer> | Buffer[], sink: SinkHandler, depth: number): Promise<void> {
    if (!st.isFile()) return this.problem(path, 'not a regular file');
    const size = BigInt(st.size);
    const writer = await sink.openFile({ type: 'C', mode: st.mode & 0o7777, size, name }, this.timesOf(st), depth);
    if ('error' in writer) return this.report(new ScpipeError('ERR_LOCAL_IO', String(writer.error), { path }));
    this.opts.onFileProgress?.(name, 0n, size);
    let stored = 0n;
    try {
      for await (const chunk of chunks) {
        if (this.opts.signal?.aborted) throw abortError(this.opts.signal);
        await writer.write(chunk, () => replyPool.giveBack(chunk));
        stored += BigInt(chunk.length);
        this.opts.onFileProgress?.(name, stored, size);
      }
    } catch (err) {
      await writer.abort();
      throw err;
    }
    const failed = await writer.finish({ ok: true });
    if (failed) this.report(new ScpipeError('ERR_LOCAL_IO', String(failed), { path }));
    else this.opts.trace?.(`sftp: ${escapeForTerminal(path)}: ${size} bytes`);
  }

  // Runs one item: its problem is reported and the copy goes on, unless nothing more can be done.
  private async guard<T>(fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (caught) {
      const err = this.opts.signal?.aborted ? abortError(this.opts.signal) : caught;
      if (isFatal(err)) throw err;
      this.report(err as ScpipeError);
      return undefined;
    }
  }

  private problem(path: string, why: string): void {
    this.report(new ScpipeError('ERR_REMOTE', `${escapeForTerminal(path)}: ${why}`, { path }));
  }

  private report(err: ScpipeError): void {
    this.firstProblem ??= err;
    this.opts.onProblem?.(err);
  }

  private timesOf(st: Stats): ReceivedTimes | undefined {
    if (!this.opts.preserve) return undefined;
    return { mtime: BigInt(st.mtime), mtimeUsec: 0, atime: BigInt(st.atime), atimeUsec: 0 };
  }
}
