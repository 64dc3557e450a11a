// Names as the kernel and the wire have them, carried in strings: valid
// UTF-8 is decoded, and each byte that is not (a Latin-1 name) is kept as
// the mark decodeRemote() gives it (U+DC80–U+DCFF), so bytes and text map
// one to one. toBytes() gives the same bytes back, for a system call or a
// peer; escapeForTerminal() shows the marks as `\xNN`.
import { decodeRemote } from './escape';

/** The text of some bytes: `toBytes(fromBytes(b))` equals `b`. */
export const fromBytes = decodeRemote;

const MARK_LO = 0xdc80;
const MARK_HI = 0xdcff;

/** True when `text` holds a byte that is not UTF-8 (a lone mark). */
export function hasMarks(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= MARK_LO && c <= MARK_HI && !(i > 0 && isHigh(text.charCodeAt(i - 1)))) return true;
  }
  return false;
}

/** The bytes `text` stands for: UTF-8, with each mark as its byte. */
export function toBytes(text: string): Buffer {
  if (!hasMarks(text)) return Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  let run = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp < MARK_LO || cp > MARK_HI) {
      run += ch;
      continue;
    }
    parts.push(Buffer.from(run, 'utf8'), Buffer.from([cp - 0xdc00]));
    run = '';
  }
  parts.push(Buffer.from(run, 'utf8'));
  return Buffer.concat(parts);
}

/** A path for a system call: the string itself when it is UTF-8, else its bytes. */
export function hostPath(text: string): string | Buffer {
  return hasMarks(text) ? toBytes(text) : text;
}

function isHigh(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}
