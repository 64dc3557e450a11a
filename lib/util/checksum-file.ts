// Checksum files as GNU `sha256sum` writes and checks them (`HEX  NAME`, a
// name with a backslash or newline escaped and the line marked with a
// leading backslash), so `sha256sum -c` verifies what scpipe wrote and
// `get --check` reads what sha256sum wrote. BSD's tagged form
// (`SHA256 (NAME) = HEX`) is read too.
import { posix } from 'node:path';
import { ScpipeError } from '../errors';
import { escapeForTerminal } from './escape';

const HEX = /^[0-9a-fA-F]{64}$/;

/** A valid SHA-256 in hex, lowercased; ERR_USAGE otherwise. */
export function parseSha256(text: string, what: string): string {
  if (!HEX.test(text)) throw new ScpipeError('ERR_USAGE', `${what} "${escapeForTerminal(text.slice(0, 80))}" is not a SHA-256 (64 hex digits)`);
  return text.toLowerCase();
}

/** `sha256sum`'s line for `name`, newline included. */
export function formatChecksumLine(hex: string, name: string): string {
  if (!/[\\\n\r]/.test(name)) return `${hex}  ${name}\n`;
  const escaped = name.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
  return `\\${hex}  ${escaped}\n`;
}

/** One line of a checksum file: the sum and the name it is for. */
export interface ChecksumEntry {
  sha256: string;
  name: string;
}

/** The entries of a checksum file's text; blank and `#` lines are skipped, anything else unreadable is an error. */
export function parseChecksumFile(text: string, file: string): ChecksumEntry[] {
  const entries: ChecksumEntry[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '' || line.startsWith('#')) return;
    const entry = parseLine(line);
    if (entry === undefined) {
      throw new ScpipeError('ERR_USAGE', `${escapeForTerminal(file)}, line ${i + 1}: not a SHA-256 checksum line ("HEX  NAME")`, { path: file });
    }
    entries.push(entry);
  });
  return entries;
}

/**
 * The sum a checksum file gives for `name` (a remote path: its own line, or
 * the line of its last component); a file of one line is for whatever it is
 * given for. ERR_USAGE when none or several lines fit.
 */
export function checksumFor(entries: readonly ChecksumEntry[], name: string, file: string): string {
  if (entries.length === 1) return entries[0]!.sha256;
  const base = posix.basename(name);
  const exact = entries.filter((e) => e.name === name);
  const fits = exact.length > 0 ? exact : entries.filter((e) => posix.basename(e.name) === base);
  const sums = new Set(fits.map((e) => e.sha256));
  if (sums.size === 1) return fits[0]!.sha256;
  const why = sums.size === 0 ? `has no line for ${escapeForTerminal(base)}` : `has different sums for ${escapeForTerminal(base)}`;
  throw new ScpipeError('ERR_USAGE', `${escapeForTerminal(file)} ${why}`, { path: file });
}

// A leading backslash marks an escaped name in both forms (`sha256sum --tag` too).
function parseLine(line: string): ChecksumEntry | undefined {
  const escaped = line.startsWith('\\');
  const body = escaped ? line.slice(1) : line;
  const unescape = (name: string): string => (escaped ? name.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c)) : name);
  const tagged = /^SHA256 \((.*)\) = ([0-9a-fA-F]{64})$/.exec(body);
  if (tagged) return { sha256: tagged[2]!.toLowerCase(), name: unescape(tagged[1]!) };
  const plain = /^([0-9a-fA-F]{64}) [ *](.*)$/.exec(body);
  if (!plain) return undefined;
  return { sha256: plain[1]!.toLowerCase(), name: unescape(plain[2]!) };
}
