// Types shared by the sink side: the records a source sends (parsed), the
// events of the sans-I/O sink decoder, the handler through which the
// sink role (sink.ts) stores what it receives (stdout, local files), and its options.
import type { Said } from '../util/said';
import type { Reply } from './replies';
import type { RoleOptions } from './source-types';

/** T record: times for the next C or D (docs/protocol.md §2). */
export interface TimesRecord {
  type: 'T';
  mtime: bigint;
  mtimeUsec: number;
  atime: bigint;
  atimeUsec: number;
}

/** C record: a regular file of exactly `size` bytes follows once acked. */
export interface FileRecord {
  type: 'C';
  mode: number;
  size: bigint;
  /** The name as sent (validated separately, see names.ts). */
  name: string;
  /** The name's bytes are not UTF-8: `name` is only their escaped form (escapeBytes), to show. */
  notUtf8?: true;
  /** With notUtf8: the name's bytes, for a reply that names them as they are. */
  nameBytes?: Buffer;
}

/** D record: enter a directory (only with -r). */
export interface DirectoryRecord {
  type: 'D';
  mode: number;
  name: string;
  /** As FileRecord.notUtf8. */
  notUtf8?: true;
  /** As FileRecord.nameBytes. */
  nameBytes?: Buffer;
}

/** E record: leave the current directory. */
export interface EndRecord {
  type: 'E';
}

/** \1 or \2 line in record position: a warning (go on) or a fatal error. */
export interface MessageRecord {
  type: 'warning' | 'fatal';
  message: string;
}

/** Any line a source may send where a record is expected. */
export type SourceRecord = TimesRecord | FileRecord | DirectoryRecord | EndRecord | MessageRecord;

/** What the sink decoder yields. */
export type SinkEvent =
  | { kind: 'record'; record: SourceRecord }
  | { kind: 'data'; chunk: Buffer } // part of the current file's body (a view, not a copy)
  | { kind: 'status'; reply: Reply }; // the source's byte after the body: \0, or \1/\2 with a message

/** Times to apply, as received (seconds and microseconds). */
export interface ReceivedTimes {
  mtime: bigint;
  mtimeUsec: number;
  atime: bigint;
  atimeUsec: number;
}

/** Where one received file's bytes go. */
export interface FileWriter {
  /**
   * Writes a chunk; resolves when the consumer can take more (backpressure).
   * `released`, where the writer supports it: called once it is done with the
   * chunk (written, failed or dropped), so its memory may be used again.
   */
  write(chunk: Buffer, released?: () => void): Promise<void>;
  /**
   * Called once after the body and the source's status byte. `ok` is false
   * when the source reported a problem (its message is in `sourceError`) or
   * the transfer failed. Returns an error message to report to the source
   * (`\1scp: <message>`, as openFile's), or undefined when the file is stored.
   */
  finish(result: { ok: boolean; sourceError?: string }): Promise<string | Said | undefined>;
  /** The transfer died mid-file: clean up (remove a temp file). */
  abort(): Promise<void>;
}

/** How the sink role stores what it receives. */
export interface SinkHandler {
  /**
   * A C record arrived (name already validated). Return a writer, or an error
   * message (e.g. "f: Permission denied") that is sent as `\1scp: <message>`
   * so the source skips the data (docs/protocol.md §4.2). A string is sent
   * and shown as it is (escape names in it); a Said sends its raw form.
   */
  openFile(file: FileRecord, times: ReceivedTimes | undefined, depth: number): Promise<FileWriter | { error: string | Said }>;
  /** A D record arrived: enter it, or return an error message (the source skips it). */
  enterDirectory(dir: DirectoryRecord, times: ReceivedTimes | undefined, depth: number): Promise<{ error: string | Said } | undefined>;
  /** The E record of the current directory: apply its mode and times. */
  leaveDirectory(depth: number): Promise<void>;
  /** The session is over, however it ended (every writer settled): let go of what is held open. */
  close?(): Promise<void>;
}

/** Options of the sink role. */
export interface SinkOptions extends RoleOptions {
  /** `-r`: directories are allowed. */
  recursive: boolean;
  /** Checks each top-level name against what was requested (docs/protocol.md §5.2). */
  matcher?: { matches(name: string): boolean; describe(): string };
  /** Most top-level entries accepted (1 for a literal path: one path, one entry). */
  maxTopLevel?: number;
  /**
   * Asked when the input ends right after a file's last byte, before the
   * source's status byte: true stores the file as sent whole. libssh2's scp
   * upload (curl's scp://) sends its EOF there, never that byte, and
   * OpenSSH's scp -t keeps the file it has written (docs/protocol.md §7).
   */
  bodyEndsAtEof?: () => boolean;
  /**
   * Take a name that is not UTF-8 as its bytes (util/byte-text.ts), as
   * OpenSSH's scp -t does (serve); without it such an entry is skipped.
   */
  namesAsBytes?: boolean;
}
