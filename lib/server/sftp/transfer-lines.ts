// One log line per file transferred, however many channels of one connection
// carried it: `put --parallel N` writes one temporary file through N SFTP
// sessions, and `get --parallel N` reads one file through N, which logged N
// lines of partial counts for a single transfer.
import { posix } from 'node:path';
import type { FileEntry } from './handles';

/** A file's transfer over all its handles: the line to log once the last one closed. */
export interface WholeTransfer {
  bytesRead: number;
  bytesWritten: number;
  writable: boolean;
  /** Sessions (channels) that wrote it. */
  channels: number;
  /** The first result other than `ok`, else `ok`. */
  result: string;
}

interface Open extends WholeTransfer {
  left: number;
  sessions: Set<object>;
}

/** The open file handles of one connection's SFTP sessions, by path. */
export class TransferLines {
  private readonly files = new Map<string, Open>();
  /** Reads of a file that their session already reads: a transfer each, as any client's second read is. */
  private readonly alone = new WeakSet<FileEntry>();

  /** `e` opened by `session` (its OpsContext). */
  opened(e: FileEntry, session: object): void {
    const key = keyOf(e);
    if (!e.writable && this.files.get(key)?.sessions.has(session)) {
      this.alone.add(e);
      return;
    }
    const open = this.files.get(key) ?? { bytesRead: 0, bytesWritten: 0, writable: e.writable, channels: 0, result: 'ok', left: 0, sessions: new Set<object>() };
    this.files.set(key, open);
    open.sessions.add(session);
    open.channels = open.sessions.size;
    open.left += 1;
  }

  /** The whole transfer once `e` was the last of its path to close; undefined while others are open. */
  closed(e: FileEntry, result: string): WholeTransfer | undefined {
    const key = keyOf(e);
    const open = this.alone.has(e) ? undefined : this.files.get(key);
    if (open === undefined) return { bytesRead: e.bytesRead, bytesWritten: e.bytesWritten, writable: e.writable, channels: 1, result };
    open.bytesRead += e.bytesRead;
    open.bytesWritten += e.bytesWritten;
    if (open.result === 'ok') open.result = result;
    open.left -= 1;
    if (open.left > 0) return undefined;
    this.files.delete(key);
    const { sessions: _, left: __, ...whole } = open;
    return whole;
  }
}

// Every session of a connection starts in the jail's root: one client path is one file.
// Reads and writes of it are told apart: a read while it is written is a transfer of its own.
function keyOf(e: FileEntry): string {
  return `${e.writable ? 'w' : 'r'}${posix.normalize(e.path)}`;
}
