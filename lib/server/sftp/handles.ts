// The open handles of one SFTP session, capped (a client cannot hold more
// descriptors than MAX_HANDLES), and all closed when the session ends.
// Handle strings are 4-byte counters, as sftp-server's; a closed handle's
// string is never reused within the session, so a stale one cannot reach a
// newer file.
import type { Dir } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { SftpFailure } from './status';
import { said } from '../../util/said';
import { releaseGuard, type WriteGuard } from './store-guard';
import { STATUS } from './wire';

/** Open handles per session (reported by limits@openssh.com). */
export const MAX_HANDLES = 64;

/** An open file. `bytesRead`/`bytesWritten` feed the transfer log line. */
export interface FileEntry {
  kind: 'file';
  fh: FileHandle;
  /** The client's path, as it named it. */
  path: string;
  append: boolean;
  /** Opened for writing (the log calls it an upload). */
  writable: boolean;
  bytesRead: number;
  bytesWritten: number;
  /** The first read or write that failed (its message): the log line says failed, not ok. */
  ioFailure?: string;
  /** The host path, when this open created the file: a cut upload's file is removed (cut-upload.ts). */
  created?: string;
  /** --append-only: a write handle, stopped once its file is stored (store-guard.ts). */
  guard?: WriteGuard;
}

/** An open directory (names read as bytes); `held` are names read from it that did not fit the last reply. */
export interface DirEntry {
  kind: 'dir';
  dir: Dir;
  path: string;
  hostPath: string;
  held?: Buffer[];
}

export type HandleEntry = FileEntry | DirEntry;

/** See the file comment. */
export class HandleTable {
  private readonly open = new Map<number, HandleEntry>();
  private next = 1;

  get size(): number {
    return this.open.size;
  }

  /** Files open (directories not counted). */
  files(): number {
    let n = 0;
    for (const e of this.open.values()) if (e.kind === 'file') n++;
    return n;
  }

  /** Throws FAILURE when the cap is reached; check before opening a descriptor. */
  reserve(): void {
    if (this.open.size >= MAX_HANDLES) {
      throw new SftpFailure(STATUS.FAILURE, said`too many open handles (at most ${String(MAX_HANDLES)})`);
    }
  }

  add(entry: HandleEntry): Buffer {
    const n = this.next++ >>> 0;
    this.open.set(n, entry);
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32BE(n);
    return b;
  }

  /** The entry for a handle string, or FAILURE (sftp-server's answer to a bad handle). */
  get(handle: Buffer): HandleEntry {
    const entry = handle.length === 4 ? this.open.get(handle.readUInt32BE(0)) : undefined;
    if (!entry) throw new SftpFailure(STATUS.FAILURE, said`invalid handle`);
    return entry;
  }

  file(handle: Buffer): FileEntry {
    const e = this.get(handle);
    if (e.kind !== 'file') throw new SftpFailure(STATUS.FAILURE, said`invalid handle`);
    return e;
  }

  dir(handle: Buffer): DirEntry {
    const e = this.get(handle);
    if (e.kind !== 'dir') throw new SftpFailure(STATUS.FAILURE, said`invalid handle`);
    return e;
  }

  /** Removes the handle from the table and returns it (the caller closes it). */
  remove(handle: Buffer): HandleEntry {
    const e = this.get(handle);
    this.open.delete(handle.readUInt32BE(0));
    return e;
  }

  /** Removes and returns every entry (the session ended). */
  drain(): HandleEntry[] {
    const all = [...this.open.values()];
    this.open.clear();
    return all;
  }
}

/** Closes an entry's descriptor; never throws. */
export async function closeEntry(e: HandleEntry): Promise<void> {
  try {
    if (e.kind === 'file' && e.guard) releaseGuard(e.guard);
    if (e.kind === 'file') await e.fh.close();
    else await e.dir.close();
  } catch {
    // already closed, or the close failed: the descriptor is gone either way
  }
}
