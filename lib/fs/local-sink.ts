// The local end of a download (`scpipe cp host:src ./target`): a SinkHandler
// that does to the filesystem what OpenSSH's sink() does (docs/protocol.md §4.3),
// with two deliberate differences that keep a hostile or broken transfer
// from doing damage:
//   - it writes only under the target: a symlink below the target is never
//     followed, whether the peer names it in C or in D (lstat + O_NOFOLLOW),
//     nor one another user swaps in later: each directory is held open and
//     its entries are named through it (dir-handle.ts);
//   - a file is received into a private temp file and renamed over the real
//     name only when all of it arrived and the source ended it with \0, so a
//     failed transfer leaves the old file as it was.
// Target resolution, modes, directory handling and error wording follow OpenSSH.
import { createHash } from 'node:crypto';
import { lstatSync, type Stats } from 'node:fs';
import { hostPath } from '../util/byte-text';
import { posix } from 'node:path';
import type { DirectoryRecord, FileRecord, FileWriter, ReceivedTimes } from '../protocol/sink-types';
import { SET_ID_BITS, utimesArgs } from './modes';
import { DirHandle, namesByHandle } from './dir-handle';
import { joinName } from './join-name';
import { openOutputFile } from './open-output';
import { openReceivedDirectory, type OpenDirectory } from './sink-directory';
import { pathError } from './strerror';
import { resolveTarget, type ResolvedTarget } from './target';
import { said, Said } from '../util/said';
import type { LocalSinkHandler, LocalSinkOptions } from './local-sink-types';

/**
 * Creates the sink for `target`. An existing directory (or a symlink to one)
 * receives entries as `target/<name>`; anything else is itself the output
 * path of the one top-level file or directory (§4.3 target resolution).
 */
export async function createLocalSink(target: string, opts: LocalSinkOptions): Promise<LocalSinkHandler> {
  return createLocalSinkAt(await resolveTarget(target), opts);
}

/** The sink for a target resolved already (a retry's, which must land where the first attempt did). */
export function createLocalSinkAt(resolved: ResolvedTarget, opts: LocalSinkOptions): LocalSinkHandler {
  return new LocalSink(resolved, { ...opts, umask: opts.umask ?? process.umask() });
}

class LocalSink implements LocalSinkHandler {
  private readonly stack: OpenDirectory[] = [];
  constructor(
    private readonly resolved: ResolvedTarget,
    private readonly opts: LocalSinkOptions & { umask: number },
  ) {
    if (!namesByHandle()) opts.trace?.('local: no /proc/self/fd: directories are written into by name, as scp does (one swapped for a link is followed)');
  }

  // The regular files this sink stored, by inode, per directory (names that
  // one lookup takes for one file are in one directory): on a file system that
  // ignores case, README and readme are one file, and scp -r would store the
  // second over the first; GNU cp -r refuses ("will not overwrite just-created").
  // Kept only while the directory is being filled, so memory follows the
  // largest directory, not the tree.
  private readonly storedAtTop = new Map<string, string>();

  private storedHere(): Map<string, string> {
    return this.stack[this.stack.length - 1]?.stored ?? this.storedAtTop;
  }

  private remember(path: string, stored: Map<string, string>): void {
    const st = statIfFile(path);
    if (st) stored.set(`${st.dev}:${st.ino}`, path);
  }

  // The file this sink stored that `path` names too ('' when not known by
  // name), or undefined. FUSE numbers each name apart, so a file found in a
  // directory the sink made counts too.
  private madeAt(path: string): string | undefined {
    const st = statIfFile(path);
    if (!st) return undefined;
    return this.storedHere().get(`${st.dev}:${st.ino}`) ?? (this.stack[this.stack.length - 1]?.made ? '' : undefined);
  }

  private allowed(mode: number): number {
    return this.opts.dropSetId ? mode & ~SET_ID_BITS : mode;
  }

  async openFile(file: FileRecord, times: ReceivedTimes | undefined): Promise<FileWriter | { error: Said }> {
    const { preserve, umask, onFileDone } = this.opts;
    const sum = this.opts.sha256 ? createHash('sha256') : undefined;
    const path = this.pathFor(file.name);
    const stored = this.storedHere();
    const writer = await this.held(path, async () => {
      const where = await this.through(file.name, path);
      if ('error' in where) return where;
      const { at, top } = where;
      const madeBefore = this.madeAt(at);
      if (madeBefore !== undefined) {
        await top?.close();
        const which = madeBefore === '' ? 'the file this copy has just made under that name' : `${madeBefore}, which this copy has just made`;
        return { error: `${path}: will not overwrite ${which} (a file system that ignores case, as FAT does, takes both names for one)` };
      }
      const onDone = (done: string, bytes: bigint): void => {
        this.remember(at, stored);
        onFileDone?.(done, bytes, sum?.digest('hex'));
      };
      return openOutputFile(path, {
        size: file.size, mode: this.allowed(file.mode), preserve, times, umask, onDone, regularOnly: this.opts.regularFilesOnly, newOnly: this.opts.appendOnly, compare: this.opts.compare,
      }, { at, dir: top }); // `top` is the writer's to close from here
    });
    if ('error' in writer) return writer;
    return {
      write: sum === undefined ? writer.write.bind(writer) : (chunk, released) => {
        sum.update(chunk);
        return writer.write(chunk, released);
      },
      finish: async (result) => {
        const error = await writer.finish(result);
        return error === undefined ? undefined : Said.raw(error);
      },
      abort: () => writer.abort(),
    };
  }

  async enterDirectory(dir: DirectoryRecord, times: ReceivedTimes | undefined): Promise<{ error: Said } | undefined> {
    const path = this.pathFor(dir.name);
    if (!this.opts.recursive) return { error: said`${path}: received directory without -r` }; // the role refuses it first
    return this.held(path, async () => {
      const where = await this.through(dir.name, path);
      if ('error' in where) return where;
      try {
        const opened = await openReceivedDirectory(path, where.at, this.allowed(dir.mode), times, this.opts, this.stack.length);
        if ('error' in opened) return opened;
        this.stack.push(opened);
        return undefined;
      } finally {
        await where.top?.close(); // the new directory has its own handle
      }
    }, true); // alone: a directory made where a link was moves a link's `..` after that name
  }

  async leaveDirectory(): Promise<void> {
    const dir = this.stack.pop();
    if (!dir) return;
    // After E, like OpenSSH: times, then the real mode (a D0555 tree could be
    // filled because mkdir added u+rwx). Errors are ignored as in OpenSSH 8.3+.
    await this.held(dir.dir.path, async () => {
      const times = dir.times && utimesArgs(dir.times);
      if (times) await dir.dir.utimes(times[0], times[1]).catch(() => undefined);
      if (dir.mode !== undefined) await dir.dir.chmod(dir.mode).catch(() => undefined);
    });
    await dir.dir.close();
  }

  async close(): Promise<void> {
    for (const dir of this.stack.splice(0).reverse()) await dir.dir.close();
  }

  // `use` between the options' hold and its release, if the guard lets `path` pass.
  // An error is made a Said here, once: it names a path that holds the peer's
  // names, escaped for the user, raw to the peer (serve's upload).
  private async held<T>(path: string, use: () => Promise<T | { error: string }>, exclusive = false): Promise<Exclude<T, { error: string }> | { error: Said }> {
    const release = await this.opts.hold?.(exclusive);
    try {
      const refused = await this.opts.guard?.(path);
      const result = refused === undefined ? await use() : { error: refused };
      return isError(result) ? { error: Said.raw(result.error) } : (result as Exclude<T, { error: string }>);
    } finally {
      release?.();
    }
  }

  // `target/<name>` inside the current directory; at the top level of a
  // non-directory target, the target itself whatever the name (§4.3).
  private pathFor(name: string): string {
    const dir = this.stack[this.stack.length - 1];
    if (dir) return dir.dir.shown(name);
    const { path: target, isDirectory } = this.resolved;
    return isDirectory ? joinName(target, name) : target;
  }

  // What names pathFor(name) (`path`) in calls: through the open directory; at
  // the top level through `top`, opened for this entry: the caller closes it.
  private async through(name: string, path: string): Promise<{ at: string; top?: DirHandle } | { error: string }> {
    const dir = this.stack[this.stack.length - 1];
    if (dir) return { at: dir.dir.at(name) };
    const { path: target, isDirectory, id } = this.resolved;
    try {
      // The target the user named is followed; one replaced since it was resolved is not used.
      const top = isDirectory ? await DirHandle.open(target, { follow: true, same: id }) : (await DirHandle.parentOf(target)).dir;
      return { at: top.at(isDirectory ? name : posix.basename(target)), top };
    } catch (err) {
      return { error: (err as { changed?: boolean }).changed ? `${target}: not written into: another directory took its place since the copy began` : pathError(path, err) };
    }
  }
}

function isError(result: unknown): result is { error: string } {
  return typeof result === 'object' && result !== null && typeof (result as { error?: unknown }).error === 'string';
}

// lstat() of a regular file (one lookup a file: cheap beside its transfer), else undefined.
function statIfFile(path: string): Stats | undefined {
  try {
    const st = lstatSync(hostPath(path), { throwIfNoEntry: false });
    return st?.isFile() ? st : undefined;
  } catch {
    return undefined; // ENOTDIR and the like: openOutputFile says them
  }
}
