// A directory's listing over SFTP, checked before any name touches the local
// disk (docs/protocol.md §10 "cp over SFTP"): each name must be one plain component (as
// OpenSSH's sftp refuses names with `/`), and, beyond OpenSSH, not empty
// and without control characters. Names that are not UTF-8 come as their
// bytes (name-bytes.ts), where a U+FFFD is the character itself; where they
// could not be read so, a U+FFFD may stand for bytes lost, and a name that
// cannot be written back exactly must not be written at all. A bad name is reported
// and skipped; a listing that repeats a name or never ends (a hostile or
// broken server) fails the whole directory.
import type { Stats } from 'ssh2';
import { ScpipeError } from '../errors';
import { checkIncomingName } from '../protocol/names';
import { escapeForTerminal } from '../util/escape';
import { testLowered } from '../util/test-waits';
import type { SftpSession } from './session';

/** One checked entry: its name and the attributes the server listed. */
export interface ListedEntry {
  name: string;
  attrs: Stats;
}

/** Options of listDirectory(). */
export interface ListingOptions {
  /** Entries one directory may hold before the listing is refused. */
  maxEntries?: number;
  /** A name was refused (the listing goes on). */
  onBadName: (err: ScpipeError) => void;
  /** Only names it accepts are checked and kept: the rest are counted, not held in memory. */
  only?: (name: string) => boolean;
  /** Aborted: no further batch is asked for, and the entries so far are returned. */
  until?: AbortSignal;
  /**
   * Keep a name holding U+FFFD, which may stand for bytes that are not UTF-8:
   * for a caller that only looks for a name of its own making in it.
   */
  keepReplaced?: boolean;
}

/** The default bound on one directory's entries: far beyond real trees, bounded memory. */
export const MAX_ENTRIES = testLowered('MAX_ENTRIES', 1_000_000);
/**
 * Longest name kept: NAME_MAX of Linux's and macOS's file systems. A longer
 * one could not be made here, and a listing of such names (one of 200 KiB a
 * packet) would otherwise hold them all.
 */
const MAX_NAME_BYTES = 255;

/** Lists `path` (opendir, readdir until the end, close). */
export async function listDirectory(session: SftpSession, path: string, opts: ListingOptions): Promise<ListedEntry[]> {
  const max = opts.maxEntries ?? MAX_ENTRIES;
  const handle = await session.opendir(path);
  const seen = new Set<string>();
  const entries: ListedEntry[] = [];
  let listed = 0;
  try {
    while (!opts.until?.aborted) {
      const batch = await session.readdir(handle, path);
      // OpenSSH's sftp also ends a listing at an empty batch, so a server
      // that answers nothing forever is not asked forever.
      if (batch === undefined || batch.length === 0) return entries;
      if (!Array.isArray(batch)) throw malformed(path);
      for (const item of batch) {
        const { filename, attrs, asBytes } = (item ?? {}) as { filename?: unknown; attrs?: Stats; asBytes?: true };
        if (typeof filename !== 'string' || typeof attrs?.isDirectory !== 'function') throw malformed(path);
        if (filename === '.' || filename === '..') continue;
        if (listed >= max) {
          throw new ScpipeError('ERR_PROTOCOL', `${escapeForTerminal(path)}: the server listed more than ${max} entries; not copying this directory`, { path });
        }
        listed += 1;
        if (opts.only && !opts.only(filename)) continue;
        if (Buffer.byteLength(filename) > MAX_NAME_BYTES) {
          const shown = `${escapeForTerminal(Array.from(filename).slice(0, 100).join(''))}…`;
          opts.onBadName(new ScpipeError('ERR_UNSAFE_NAME', `${escapeForTerminal(path)}: refusing name from the remote: "${shown}" (longer than ${MAX_NAME_BYTES} bytes)`, { path }));
          continue; // not kept: the count above bounds a listing of them
        }
        if (seen.has(filename)) {
          throw new ScpipeError('ERR_PROTOCOL', `${escapeForTerminal(path)}: the server listed "${escapeForTerminal(filename)}" twice; not copying this directory`, { path });
        }
        seen.add(filename);
        // Read as its bytes (name-bytes.ts), a U+FFFD is one the name holds, as EF BF BD.
        const refused = nameProblem(filename, opts.keepReplaced || asBytes === true);
        if (refused) opts.onBadName(new ScpipeError('ERR_UNSAFE_NAME', `${escapeForTerminal(path)}: ${refused}`, { path }));
        else entries.push({ name: filename, attrs });
      }
    }
    return entries;
  } finally {
    await session.close(handle, path).catch(() => undefined);
  }
}

/** Why a listed name must not be used locally, or undefined when it is fine. */
export function nameProblem(name: string, keepReplaced = false): string | undefined {
  try {
    checkIncomingName(name);
  } catch (err) {
    return (err as Error).message;
  }
  if (/[\x00-\x1f\x7f]/.test(name)) return `refusing unsafe name from the remote: "${escapeForTerminal(name)}" (contains a control character)`;
  if (name.includes('\uFFFD') && !keepReplaced) return `refusing name from the remote: "${escapeForTerminal(name)}" (not valid UTF-8, it could not be written back unchanged)`;
  return undefined;
}

function malformed(path: string): ScpipeError {
  return new ScpipeError('ERR_PROTOCOL', `${escapeForTerminal(path)}: the server answered the listing with something that is not a listing`, { path });
}
