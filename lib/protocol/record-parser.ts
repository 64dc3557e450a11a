// Parses one header line a source sends (T, C, D, E, \1, \2; docs/protocol.md §2)
// with the strictness of OpenSSH's sink() (docs/protocol.md §4.2). Errors use
// OpenSSH's own wording, so a sink can send `\1scp: <message>` back unchanged;
// the offending line, escaped, rides along as `remoteMessage`.
//
// Deliberate differences from OpenSSH, all stricter:
// - usec fields are one or more plain digits; OpenSSH's strtol() also takes
//   leading blanks, a sign, or no digits at the end (`T1  0 2 0`, `T1 +5 2 0`
//   and `T1 0 2 ` are acked there). No known source sends those: every
//   emitter writes `0`.
// - OpenSSH handles the line as a C string, so a NUL byte ends it there. We
//   keep the NUL in the name, and names.ts refuses it.
// - A name must be valid UTF-8 (JS strings cannot carry other bytes back to the
//   file system unchanged); another name comes as its escaped bytes, marked
//   `notUtf8`, for the sink to refuse that one entry (sink.ts).
import { ScpipeError } from '../errors';
import { decodeRemote, escapeBytes, escapeForTerminal } from '../util/escape';
import { formatMode, INT64_MAX } from './records';
import type { SourceRecord, TimesRecord } from './sink-types';

const SPACE = 0x20;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }); // keeps a leading U+FEFF

/** The error a sink reports for a line it cannot parse (`\1scp: protocol error: <why>`). */
export function protocolError(why: string, line?: Uint8Array): ScpipeError {
  const remoteMessage = line === undefined ? undefined : escapeForTerminal(line);
  return new ScpipeError('ERR_PROTOCOL', `protocol error: ${why}`, { remoteMessage });
}

/** True for the first bytes OpenSSH's sink knows: \1, \2, T, C, D, E. */
export function isRecordStart(byte: number | undefined): boolean {
  return byte === 1 || byte === 2 || byte === 0x54 || byte === 0x43 || byte === 0x44 || byte === 0x45;
}

/** Parses one line, given WITHOUT its trailing `\n`, into a record. */
export function parseRecord(line: Buffer): SourceRecord {
  const first = line[0];
  if (first === undefined || first === 0x0a) throw protocolError('unexpected <newline>', line);
  if (first === 1 || first === 2) {
    return { type: first === 1 ? 'warning' : 'fatal', message: decodeRemote(line.subarray(1)) };
  }
  if (first === 0x45) return { type: 'E' }; // only buf[0] is checked (docs/protocol.md §2)
  if (first === 0x54) return parseTimes(line);
  if (first === 0x43 || first === 0x44) return parseHeader(line);
  throw protocolError('expected control record', line);
}

// A cursor over the line, in the style of OpenSSH's `cp` pointer.
class Cursor {
  pos = 1;
  constructor(readonly line: Buffer) {}

  atDigit(): boolean {
    const c = this.line[this.pos];
    return c !== undefined && c >= 0x30 && c <= 0x39;
  }

  // Reads a run of digits (possibly empty) as a BigInt, like strtoull.
  digits(): { value: bigint; count: number } {
    const start = this.pos;
    while (this.atDigit()) this.pos += 1;
    const text = this.line.toString('latin1', start, this.pos);
    return { value: text === '' ? 0n : BigInt(text), count: this.pos - start };
  }

  // Consumes `byte` if it is next (undefined: the end of the line).
  take(byte: number | undefined): boolean {
    if (this.line[this.pos] !== byte) return false;
    if (byte !== undefined) this.pos += 1;
    return true;
  }
}

// `T<sec> <usec> <sec> <usec>`: scp.c's checks in order (docs/protocol.md §2).
function parseTimes(line: Buffer): TimesRecord {
  const cp = new Cursor(line);
  const seconds = (field: string): bigint => {
    if (!cp.atDigit()) throw protocolError(`${field}.sec not present`, line);
    const { value } = cp.digits();
    if (!cp.take(SPACE)) throw protocolError(`${field}.sec not delimited`, line);
    return value;
  };
  const usec = (field: string, end: number | undefined): number => {
    const { value, count } = cp.digits();
    if (count === 0 || value > 999999n || !cp.take(end)) throw protocolError(`${field}.usec not delimited`, line);
    return Number(value);
  };
  const mtime = seconds('mtime');
  const mtimeUsec = usec('mtime', SPACE);
  const atime = seconds('atime');
  const atimeUsec = usec('atime', undefined);
  return { type: 'T', mtime, mtimeUsec, atime, atimeUsec };
}

// `C<mode> <size> <name>` and `D<mode> <size> <name>` (docs/protocol.md §2).
function parseHeader(line: Buffer): SourceRecord {
  const cp = new Cursor(line);
  let mode = 0;
  for (; cp.pos < 5; cp.pos += 1) {
    const c = line[cp.pos];
    if (c === undefined || c < 0x30 || c > 0x37) throw protocolError('bad mode', line);
    mode = mode * 8 + (c - 0x30);
  }
  if (!cp.take(SPACE)) throw protocolError('mode not delimited', line);
  if (!cp.atDigit()) throw protocolError('size not present', line);
  const { value: size } = cp.digits();
  if (!cp.take(SPACE)) throw protocolError('size not delimited', line);
  if (size > INT64_MAX) throw protocolError('size out of range', line);
  const raw = line.subarray(cp.pos);
  let name: string;
  try {
    name = utf8.decode(raw);
  } catch {
    const shown = escapeBytes(raw);
    const bytes = Buffer.from(raw); // a copy: the line's buffer is reused
    return line[0] === 0x43 ? { type: 'C', mode, size, name: shown, notUtf8: true, nameBytes: bytes } : { type: 'D', mode, name: shown, notUtf8: true, nameBytes: bytes };
  }
  return line[0] === 0x43 ? { type: 'C', mode, size, name } : { type: 'D', mode, name };
}

/** A parsed record as its line, escaped, for the -v trace (a name that is not UTF-8 is escaped already). */
export function describeRecord(r: SourceRecord): string {
  switch (r.type) {
    case 'C':
      return `C${formatMode(r.mode)} ${r.size} ${r.notUtf8 ? r.name : escapeForTerminal(r.name)}`;
    case 'D':
      return `D${formatMode(r.mode)} 0 ${r.notUtf8 ? r.name : escapeForTerminal(r.name)}`;
    case 'E':
      return 'E';
    case 'T':
      return `T${r.mtime} ${r.mtimeUsec} ${r.atime} ${r.atimeUsec}`;
    default:
      return `${r.type}: ${escapeForTerminal(r.message)}`;
  }
}
