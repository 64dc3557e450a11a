// Text from the remote side (names, \1 messages, stderr) is hostile: a raw
// ESC or CR can rewrite the user's terminal (CVE-2019-6109/6110, docs/protocol.md §5.3).
// escapeForTerminal() makes it printable and unambiguous.

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\\': '\\\\' };

/** True for a code point a terminal must not get raw: escapeForTerminal() escapes it, and --json's summary too. */
export function isUnsafe(cp: number): boolean {
  return (
    cp < 0x20 || // C0 controls
    cp === 0x7f || // DEL
    (cp >= 0x80 && cp < 0xa0) || // C1 controls (0x9b is a CSI on some terminals)
    cp === 0x061c || // Arabic letter mark: a direction mark too
    (cp >= 0x200b && cp <= 0x200f) || // zero-width and direction marks
    cp === 0x2028 || cp === 0x2029 || // line and paragraph separators: a line break to some renderers
    cp === 0xfeff || // zero-width no-break space
    (cp >= 0x202a && cp <= 0x202e) || // bidi embeddings and overrides
    (cp >= 0x2066 && cp <= 0x2069) || // bidi isolates
    (cp >= 0xd800 && cp <= 0xdfff) // lone surrogates
  );
}

// A byte that is not part of valid UTF-8 becomes U+DC80–U+DCFF (as Python's
// surrogateescape): the text stays a string, and the escape shows the byte.
const BYTE_MARK = 0xdc00;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Length of the valid UTF-8 sequence at `i`, or 0 (overlong, surrogate, above U+10FFFF, cut short). */
function sequenceLength(b: Uint8Array, i: number): number {
  const lead = b[i]!;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => b[i + k] !== undefined && b[i + k]! >= lo && b[i + k]! <= hi;
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return cont(1) ? 2 : 0;
  if (lead >= 0xe0 && lead <= 0xef) {
    const [lo, hi] = lead === 0xe0 ? [0xa0, 0xbf] : lead === 0xed ? [0x80, 0x9f] : [0x80, 0xbf];
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (lead >= 0xf0 && lead <= 0xf4) {
    const [lo, hi] = lead === 0xf0 ? [0x90, 0xbf] : lead === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

/**
 * Remote bytes as text for a message: valid UTF-8 decoded, any other byte kept
 * as a mark that escapeForTerminal() shows as `\xNN` (not U+FFFD, which hides it).
 */
export function decodeRemote(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    let out = '';
    for (let i = 0; i < bytes.length; ) {
      const n = sequenceLength(bytes, i);
      out += n === 0 ? String.fromCharCode(BYTE_MARK + bytes[i]!) : utf8.decode(bytes.subarray(i, i + n));
      i += n === 0 ? 1 : n;
    }
    return out;
  }
}

/**
 * Escapes control and bidi characters as `\n`, `\r`, `\t`, `\xNN` or `\u{NNNN}`,
 * and a backslash as `\\`, so the escaped text is unambiguous. Printable Unicode
 * is kept. With `multiline`, `\n` and `\t` pass through (for remote stderr).
 */
export function escapeForTerminal(text: string | Uint8Array, multiline = false): string {
  const s = typeof text === 'string' ? text : decodeRemote(text);
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (multiline && (ch === '\n' || ch === '\t')) out += ch;
    else if (NAMED[ch] !== undefined) out += NAMED[ch];
    else if (!isUnsafe(cp)) out += ch;
    else if (cp <= 0xff) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp >= BYTE_MARK + 0x80 && cp <= BYTE_MARK + 0xff) out += `\\x${(cp - BYTE_MARK).toString(16)}`; // decodeRemote's byte
    else out += `\\u{${cp.toString(16)}}`;
  }
  return out;
}

/**
 * The printer's last guard: controls and bidi characters escaped as
 * escapeForTerminal() escapes them, a backslash kept. Text escapeForTerminal()
 * made holds none of them, so it passes unchanged (never escaped twice), and
 * text that was not escaped where it was made still cannot reach the terminal raw.
 */
export function escapeControls(text: string, multiline = false): string {
  let out = '';
  for (const ch of text) out += ch === '\\' || (multiline && (ch === '\n' || ch === '\t')) ? ch : escapeForTerminal(ch);
  return out;
}

/**
 * A name that is not valid UTF-8, readable and unambiguous: printable ASCII
 * kept, every other byte (and a backslash) as `\xNN`.
 */
export function escapeBytes(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  return out;
}

/** Longest server text said in a message, as ssh's `%.400s` (a DISCONNECT's reason, a refused channel's). */
export const MAX_PEER_TEXT = 400;

/** A server's free text for a message: cut to `max` characters, then escaped (ssh logs it through strnvis). */
export function peerText(text: string, max = MAX_PEER_TEXT): string {
  const chars = Array.from(text);
  return chars.length > max ? `${escapeForTerminal(chars.slice(0, max).join(''))}…` : escapeForTerminal(text);
}
