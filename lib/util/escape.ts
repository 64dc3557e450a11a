// Text from the remote side (names, \1 messages, stderr) is hostile: a raw
// ESC or CR can rewrite the user's terminal (CVE-2019-6109/6110, docs/protocol.md §5.3).
// escapeForTerminal() makes it printable and unambiguous.

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\\': '\\\\' };

function isUnsafe(cp: number): boolean {
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

/**
 * Escapes control and bidi characters as `\n`, `\r`, `\t`, `\xNN` or `\u{NNNN}`,
 * and a backslash as `\\`, so the escaped text is unambiguous. Printable Unicode
 * is kept. With `multiline`, `\n` and `\t` pass through (for remote stderr).
 */
export function escapeForTerminal(text: string | Uint8Array, multiline = false): string {
  const s = typeof text === 'string' ? text : Buffer.from(text).toString('utf8');
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (multiline && (ch === '\n' || ch === '\t')) out += ch;
    else if (NAMED[ch] !== undefined) out += NAMED[ch];
    else if (!isUnsafe(cp)) out += ch;
    else if (cp <= 0xff) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else out += `\\u{${cp.toString(16)}}`;
  }
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
