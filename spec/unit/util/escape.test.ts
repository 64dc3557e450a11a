import { MAX_PEER_TEXT, decodeRemote, escapeBytes, escapeControls, escapeForTerminal, peerText } from '../../../lib/util/escape';

const hex = (cp: number): string => `\\x${cp.toString(16).padStart(2, '0')}`;
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
// What a terminal acts on: C0, DEL and C1 controls.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;

describe('escapeForTerminal: every C0 control', () => {
  const named: Record<number, string> = { 0x09: '\\t', 0x0a: '\\n', 0x0d: '\\r' };
  it.each(range(0x00, 0x1f))('code point %d becomes its escape', (cp) => {
    const want = named[cp] ?? hex(cp);
    expect(escapeForTerminal(`a${String.fromCodePoint(cp)}b`)).toBe(`a${want}b`);
    expect(escapeForTerminal(Buffer.from([0x61, cp, 0x62]))).toBe(`a${want}b`);
  });

  it('keeps \\n and \\t for multi-line text (stderr), never \\r, ESC or the rest', () => {
    const all = String.fromCodePoint(...range(0x00, 0x1f));
    const out = escapeForTerminal(all, true);
    expect(out.replace(/[\n\t]/g, '')).not.toMatch(CONTROL);
    expect(out).toContain('\n');
    expect(out).toContain('\t');
    expect(out).toContain('\\r');
    expect(out).toContain('\\x1b');
  });
});

describe('escapeForTerminal: DEL and C1', () => {
  it('escapes DEL', () => {
    expect(escapeForTerminal('a\x7fb')).toBe('a\\x7fb');
  });

  it.each(range(0x80, 0x9f))('escapes C1 code point %d, as a code point and as UTF-8', (cp) => {
    expect(escapeForTerminal(`<${String.fromCodePoint(cp)}>`)).toBe(`<${hex(cp)}>`);
    expect(escapeForTerminal(Buffer.from(`<${String.fromCodePoint(cp)}>`, 'utf8'))).toBe(`<${hex(cp)}>`);
  });

  it('keeps printable Latin-1 and other Unicode', () => {
    expect(escapeForTerminal('\u00a0é ñ 日本 😀')).toBe('\u00a0é ñ 日本 😀');
  });
});

describe('escapeForTerminal: invalid UTF-8', () => {
  // Each byte that is not part of valid UTF-8 as \xNN (U+FFFD would hide which byte it was).
  it.each([
    ['a lone CSI byte (an 8-bit terminal would act on it)', [0x9b, 0x32, 0x4a], '\\x9b2J'],
    ['a lone continuation byte', [0x61, 0x80, 0x62], 'a\\x80b'],
    ['0xff', [0xff], '\\xff'],
    ['a truncated sequence', [0xe2, 0x82], '\\xe2\\x82'],
    ['an overlong slash', [0xc0, 0xaf], '\\xc0\\xaf'],
    ['an encoded surrogate', [0xed, 0xa0, 0x80], '\\xed\\xa0\\x80'],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80], '\\xf4\\x90\\x80\\x80'],
    ['valid UTF-8 around a bad byte', [0xc3, 0xa9, 0xff, 0xe2, 0x82, 0xac], '\u00e9\\xff\u20ac'],
  ])('escapes %s', (_what, bytes, want) => {
    const out = escapeForTerminal(Uint8Array.from(bytes));
    expect(out).toBe(want);
    expect(out).not.toMatch(CONTROL);
  });

  it('decodeRemote keeps such bytes in a string that escapeForTerminal shows as \\xNN', () => {
    const text = decodeRemote(Buffer.from('scp: a\xff: Permission denied', 'latin1'));
    expect(escapeForTerminal(text)).toBe('scp: a\\xff: Permission denied');
    expect(decodeRemote(Buffer.from('caf\u00e9', 'utf8'))).toBe('caf\u00e9');
  });

  it('escapes a lone surrogate in a string', () => {
    expect(escapeForTerminal('a\ud800b')).toBe('a\\u{d800}b');
  });
});

describe('escapeForTerminal: unambiguous', () => {
  it('doubles a backslash, so an escape in the text cannot pass for an escaped control', () => {
    expect(escapeForTerminal('\\x1b')).toBe('\\\\x1b');
    expect(escapeForTerminal('\x1b')).toBe('\\x1b');
  });

  it('escapes bidi and zero-width marks (names that display as something else)', () => {
    expect(escapeForTerminal('a\u202eb\u200bc\u2066d')).toBe('a\\u{202e}b\\u{200b}c\\u{2066}d');
    expect(escapeForTerminal('a\u061cb\ufeffc')).toBe('a\\u{61c}b\\u{feff}c');
  });

  it('escapes the line and paragraph separators (a name shown as two lines)', () => {
    expect(escapeForTerminal('db\u2028dump\u2029')).toBe('db\\u{2028}dump\\u{2029}');
  });

  it('leaves no C0, DEL or C1 in any code point of the BMP', () => {
    const all = String.fromCodePoint(...range(0, 0xd7ff), ...range(0xe000, 0xffff));
    expect(escapeForTerminal(all)).not.toMatch(CONTROL);
  });
});

describe('escapeForTerminal: long lines', () => {
  it('escapes a 1 MiB line all the way through, without cutting it', () => {
    const unit = 'ok\x1b[2J\u009b\r';
    const line = unit.repeat((1024 * 1024) / unit.length);
    const out = escapeForTerminal(line);
    expect(out).toBe('ok\\x1b[2J\\x9b\\r'.repeat((1024 * 1024) / unit.length));
    expect(out).not.toMatch(CONTROL);
  });

  it('keeps a long printable line as it is', () => {
    const line = 'é'.repeat(1 << 20);
    expect(escapeForTerminal(line)).toBe(line);
  });
});

// A name that is not UTF-8 (a remote file made by a Latin-1 system) is shown byte by byte.
describe('escapeBytes', () => {
  it('keeps printable ASCII, and writes every other byte and the backslash as \\xNN', () => {
    const every = Buffer.from(range(0x00, 0xff));
    const out = escapeBytes(every);
    expect(out).not.toMatch(CONTROL);
    for (const b of range(0x00, 0xff)) {
      const printable = b >= 0x20 && b < 0x7f && b !== 0x5c;
      expect(escapeBytes(Buffer.from([0x61, b, 0x62]))).toBe(`a${printable ? String.fromCharCode(b) : hex(b)}b`);
    }
  });
});

// A server's free text (a DISCONNECT's reason) is cut to 400 characters as ssh's %.400s.
describe('peerText', () => {
  it('keeps a text of exactly the limit whole, and cuts one character more, marking the cut', () => {
    const limit = 'y'.repeat(MAX_PEER_TEXT);
    expect(peerText(limit)).toBe(limit);
    expect(peerText(`${limit}z`)).toBe(`${limit}…`);
    expect(peerText('\x1b[2Jab', 5)).toBe('\\x1b[2Ja…');
  });

  it('counts characters, not UTF-16 units: an emoji at the cut is not split into a lone surrogate', () => {
    expect(peerText('ab😀c', 3)).toBe('ab😀…');
  });
});

// The CLI's printer runs every line through escapeControls(): escaped text passes, raw text is made harmless.
describe('escapeControls', () => {
  it('leaves what escapeForTerminal() made as it is, so nothing is escaped twice', () => {
    const raw = 'a\\b\x1b[2J\r\n\t\x9b\u202e\udc80😀';
    const escaped = escapeForTerminal(raw);
    expect(escapeControls(escaped)).toBe(escaped);
  });

  it('escapes controls and direction marks as escapeForTerminal() does, and keeps a backslash', () => {
    expect(escapeControls('a\\b\x1b[2J\r\nc\u202e')).toBe('a\\b\\x1b[2J\\r\\nc\\u{202e}');
  });

  it('with multiline, keeps newlines and tabs (an internal error\'s stack)', () => {
    expect(escapeControls('at x\n\tat y\x1b', true)).toBe('at x\n\tat y\\x1b');
  });
});
