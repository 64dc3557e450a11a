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
  key: string;
  left: number;
  sessions: Set<object>;
}

/** The open file handles of one connection's SFTP sessions, by path. */
export class TransferLines {
  /** The transfer a further channel's open of a path joins. */
  private readonly files = new Map<string, Open>();
  /** The transfer each handle counts towards; none for a handle that is a transfer alone. */
  private readonly of = new WeakMap<FileEntry, Open>();

  /**
   * `e` opened by `session` (its OpsContext). `fresh`: the open truncated or
   * created the file, so it starts an upload of its own (a second `sftp put`
   * of the name), where `put --parallel`'s further channels open it as it is.
   */
  opened(e: FileEntry, session: object, fresh = false): void {
    const key = keyOf(e);
    const current = this.files.get(key);
    // A second handle of one session is a transfer of its own, as any client's second read or put is.
    if (current?.sessions.has(session)) return;
    const open = current !== undefined && !(e.writable && fresh) ? current : { key, bytesRead: 0, bytesWritten: 0, writable: e.writable, channels: 0, result: 'ok', left: 0, sessions: new Set<object>() };
    this.files.set(key, open);
    this.of.set(e, open);
    open.sessions.add(session);
    open.channels = open.sessions.size;
    open.left += 1;
  }

  /** The whole transfer once `e` was the last of its transfer to close; undefined while others are open. */
  closed(e: FileEntry, result: string): WholeTransfer | undefined {
    const open = this.of.get(e);
    if (open === undefined) return { bytesRead: e.bytesRead, bytesWritten: e.bytesWritten, writable: e.writable, channels: 1, result };
    this.of.delete(e);
    open.bytesRead += e.bytesRead;
    open.bytesWritten += e.bytesWritten;
    if (open.result === 'ok') open.result = result;
    open.left -= 1;
    if (open.left > 0) return undefined;
    if (this.files.get(open.key) === open) this.files.delete(open.key);
    const { sessions: _, left: __, key: ___, ...whole } = open;
    return whole;
  }
}

// Every session of a connection starts in the jail's root: one client path is one file.
// Reads and writes of it are told apart: a read while it is written is a transfer of its own.
function keyOf(e: FileEntry): string {
  return `${e.writable ? 'w' : 'r'}${posix.normalize(e.path)}`;
}
