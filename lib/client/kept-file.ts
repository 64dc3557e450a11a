// `get --output FILE --resume` of a single remote file (over SFTP, which
// reads at any offset): the download is written into
// FILE.scpipe-partial-SIZE-MTIME-PATHHASH beside FILE (kept-names.ts), SIZE and
// MTIME the remote file's fstat at the open, PATH a hash of its remote path
// (the server's realpath of it where it gives one, so every spelling of one
// file shares it), under that one name from its first byte, so whatever ends the run leaves
// it for the next. That run reads on from the kept file's length, as rsync
// --partial and sftp's reget do. Another remote file, or one whose size or
// mtime changed, has another name: the kept files of the others (and those
// named without a path by earlier versions) are removed and the download
// starts over; those of other paths stay when the server gave no realpath
// this run, as one of them may be this file's under its real path. Neither the kept bytes nor the remote bytes before that
// offset are compared (a file rewritten with the same size and mtime goes
// unseen): --check does that.
import { createHash, type Hash } from 'node:crypto';
import { isScpipeError } from '../errors';
import { lstat, readdir, rename, unlink } from '../fs/byte-fs';
import { fstatFd } from '../fs/fd';
import { joinName } from '../fs/join-name';
import { escapeForTerminal } from '../util/escape';
import { isOwnFile, KeptOutput } from './kept-output';
import { keptFileName, keptFileVersion, remotePathHash, spelledPathHash } from './kept-names';

/** The remote file as its open handle's fstat gave it, and the path it was opened by. */
export interface RemoteVersion {
  size: bigint;
  /** Seconds since 1970 (SFTP's resolution). */
  mtime: number;
  /** The remote path as given, `~` expanded: a kept file is of one path (not of one host). */
  path: string;
  /** The server's realpath of `path`, when it gave one: the path the kept file is named by. */
  real?: string;
}

/** Where a resumed single file starts: the bytes kept, and their sum so far when one is taken. */
export interface FileResumePoint {
  bytes: bigint;
  whole?: Hash;
}

/**
 * A kept file removed, and why: of another remote path (`other-path`), of the
 * same path whose size or mtime changed (`changed`, `was` its name's), named
 * by an earlier version without a path (`no-path`), or longer than the file (`longer`).
 */
export interface DroppedKept {
  path: string;
  bytes: bigint;
  was?: { size: bigint; mtime: number };
  why: 'other-path' | 'changed' | 'no-path' | 'longer';
}

/** The kept file of one `get --output FILE --resume` of a single file. */
export class KeptFile extends KeptOutput {
  protected readonly goOn = 'the same command again reads on from there (while the remote file keeps its size and modification time), or remove it';

  // A sum that differs is found once the file is whole: a run going on from it reads nothing and finds the same sum.
  protected override ownNote(bytes: bigint, err: unknown): string | undefined {
    if (!isScpipeError(err, 'ERR_CHECKSUM')) return undefined;
    const which = this.start > 0n ? `its first ${this.start} bytes came from an earlier run and may be the ones that differ` : "the remote file's bytes, all read in this run";
    return `; ${escapeForTerminal(this.path!)} is kept, whole (${bytes} bytes), but is not the file expected: ${which}; another run with --resume would only read it back to the same sum: remove it to fetch the file whole again`;
  }

  /** Finds or makes the kept file for `version`, removing those of other versions; `wholeSum`: the kept bytes are read back into a sum. */
  async open(version: RemoteVersion, wholeSum: boolean, signal?: AbortSignal): Promise<FileResumePoint> {
    const { dir, file } = await this.beside();
    const own = keptFileName(file, version.size, version.mtime, version.real ?? version.path);
    const pathHash = remotePathHash(version.real ?? version.path);
    // The names this path had before the server's realpath, or before its spelling was made one.
    const spelled = new Set([pathHash, remotePathHash(version.path), spelledPathHash(version.path)]);
    const names = await readdir(dir).catch(() => [] as string[]);
    const dropped: DroppedKept[] = [];
    for (const name of names) {
      const was = keptFileVersion(name, file);
      if (name === own || was === undefined) continue;
      const path = joinName(dir, name);
      const st = await lstat(path).catch(() => undefined);
      if (!isOwnFile(st)) continue; // not ours to remove
      const same = was.size === version.size && was.mtime === version.mtime && was.pathHash !== undefined && spelled.has(was.pathHash);
      if (same && !names.includes(own) && (await rename(path, joinName(dir, own)).then(() => true, () => false))) {
        names.push(own);
        continue;
      }
      if (same) continue; // this file's too, under a spelling kept beside own: not ours to guess which to drop
      const why = was.pathHash === undefined ? 'no-path' : !spelled.has(was.pathHash) ? 'other-path' : 'changed';
      // With no realpath this run (the server refused it), another path's may be this file's under its real path.
      if (why === 'other-path' && version.real === undefined) continue;
      await unlink(path).catch(() => undefined);
      dropped.push({ path, bytes: BigInt(st.size), was: { size: was.size, mtime: was.mtime }, why });
    }
    const path = joinName(dir, own);
    const there = await this.openOrMake(path);
    let bytes = there ? (await fstatFd(this.fd!)).size : 0n;
    if (bytes > version.size) {
      // Longer than the file it is named for: not a download of it, whatever it is.
      dropped.push({ path, bytes, why: 'longer' });
      await this.cutBack(0n);
      bytes = 0n;
    }
    const whole = wholeSum ? await this.sumOf(bytes, signal) : undefined;
    this.start = bytes;
    this.onEvent?.({ phase: 'file', path, bytes, size: version.size, mtime: version.mtime, dropped, summed: wholeSum && bytes > 0n });
    return { bytes, whole };
  }

  // The SHA-256 of the first `bytes` of the kept file, to go on with (--checksum, --check).
  private async sumOf(bytes: bigint, signal?: AbortSignal): Promise<Hash> {
    const sum = createHash('sha256');
    await this.readBack(0n, bytes, (chunk) => sum.update(chunk), 'read back', signal);
    return sum;
  }
}
