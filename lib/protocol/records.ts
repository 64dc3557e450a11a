// Encoding of the records a source sends (docs/protocol.md §2) as pure functions.
// The sink's parser lives in record-parser.ts; tests build their input here.
import { ScpipeError } from '../errors';
import { toBytes } from '../util/byte-text';

/** Longest header line a sink accepts, including the newline (docs/protocol.md §8). */
export const MAX_LINE_BYTES = 2047;
/** The mode bits a C/D record carries: OpenSSH's FILEMODEMASK (no sticky bit). */
export const FILE_MODE_MASK = 0o6777;
/** Largest size or time a record may carry: INT64_MAX (docs/protocol.md §8). */
export const INT64_MAX = 0x7fffffffffffffffn;

/** A mode as a record writes it: at least four octal digits (`0644`). */
export function formatMode(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}
/** The one-byte "OK" reply and end-of-data marker. */
export const OK = Buffer.from([0]);

/** Modification and access times in whole seconds since the epoch. */
export interface Times {
  mtime: bigint;
  atime: bigint;
}

/**
 * Checks a name a source is about to announce: the sink refuses empty
 * names, `.`, `..` and names with `/` (docs/protocol.md §5.1); a newline would
 * end the record early, and NUL cannot be in a file name.
 */
export function checkOutgoingName(name: string): void {
  const why =
    name === '' ? 'it is empty'
    : name === '.' || name === '..' ? `"${name}" is not a file name`
    : name.includes('/') ? 'it contains "/"'
    : name.includes('\n') ? 'it contains a newline'
    : name.includes('\0') ? 'it contains a NUL byte'
    : undefined;
  if (why) throw new ScpipeError('ERR_USAGE', `cannot send the name ${JSON.stringify(name)}: ${why}`);
}

function headerLine(kind: 'C' | 'D', mode: number, size: bigint, name: string): Buffer {
  checkOutgoingName(name);
  if (size < 0n || size > INT64_MAX) {
    throw new ScpipeError('ERR_USAGE', `size ${size} is out of range (0 to 2^63-1)`);
  }
  const octal = formatMode(mode & FILE_MODE_MASK);
  const line = toBytes(`${kind}${octal} ${size.toString()} ${name}\n`);
  if (line.length > MAX_LINE_BYTES) {
    throw new ScpipeError('ERR_USAGE', `the name is too long for an SCP record (${line.length} > ${MAX_LINE_BYTES} bytes)`);
  }
  return line;
}

/** `C%04o <size> <name>\n`: announces a regular file of exactly `size` bytes. */
export function encodeFile(mode: number, size: bigint, name: string): Buffer {
  return headerLine('C', mode, size, name);
}

/** `D%04o 0 <name>\n`: enters a directory (only with `-r`). */
export function encodeDirectory(mode: number, name: string): Buffer {
  return headerLine('D', mode, 0n, name);
}

/** `E\n`: leaves the current directory. */
export function encodeEnd(): Buffer {
  return Buffer.from('E\n');
}

/** `T<mtime> 0 <atime> 0\n` (with `-p`); negative times are clamped to 0 like OpenSSH. */
export function encodeTimes(times: Times): Buffer {
  const clamp = (t: bigint): bigint => (t < 0n ? 0n : t);
  return Buffer.from(`T${clamp(times.mtime)} 0 ${clamp(times.atime)} 0\n`);
}

/** `\1scp: <message>\n`: a non-fatal error, as OpenSSH's run_err() writes it. */
export function encodeWarning(message: string): Buffer {
  return replyLine(1, `scp: ${message}`);
}

/** `\2<message>\n`: a fatal error; the receiver gives up. */
export function encodeFatal(message: string): Buffer {
  return replyLine(2, message);
}

// A reply line fits the peer's 2048-byte buffer (docs/protocol.md §3) and has no
// newline but the last one, or the peer would read the rest as records.
// Names in it go as their bytes (util/byte-text.ts), as OpenSSH's run_err() sends them.
function replyLine(type: 1 | 2, text: string): Buffer {
  const body = toBytes(text.replace(/\n/g, ' ')).subarray(0, MAX_LINE_BYTES - 2);
  return Buffer.concat([Buffer.from([type]), body, Buffer.from('\n')]);
}
