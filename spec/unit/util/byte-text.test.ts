// Names as text that keeps their bytes (lib/util/byte-text.ts): any bytes go
// to text and back unchanged, valid UTF-8 stays the string it always was, and
// a character whose UTF-16 low half looks like a mark is no mark.
import { fromBytes, hasMarks, hostPath, toBytes } from '../../../lib/util/byte-text';
import { escapeForTerminal } from '../../../lib/util/escape';
import { Rng } from '../../helpers/fuzz';

it('gives Latin-1 bytes back unchanged, shown as \\xNN', () => {
  const raw = Buffer.from('caf\xe9/\xff\xfe', 'latin1');
  const text = fromBytes(raw);
  expect(hasMarks(text)).toBe(true);
  expect(toBytes(text)).toEqual(raw);
  expect(hostPath(text)).toEqual(raw);
  expect(escapeForTerminal(text)).toBe('caf\\xe9/\\xff\\xfe');
});

it('leaves UTF-8 text as it is, U+FFFD and astral characters included', () => {
  for (const text of ['plain', 'caf\u00e9', 'a\uFFFDb', '\u{1F4A9}', 'x\u{1F4A9}\u{10FFFF}y']) {
    expect(hasMarks(text)).toBe(false); // U+1F4A9 is D83D DCA9: its low half is in the marks' range
    expect(toBytes(text)).toEqual(Buffer.from(text, 'utf8'));
    expect(hostPath(text)).toBe(text);
    expect(fromBytes(Buffer.from(text, 'utf8'))).toBe(text);
  }
});

it('keeps marks next to astral characters apart from them', () => {
  const raw = Buffer.concat([Buffer.from('\u{1F4A9}', 'utf8'), Buffer.from([0xa9, 0xf0, 0x9f]), Buffer.from('\u{1F4A9}', 'utf8')]);
  expect(toBytes(fromBytes(raw))).toEqual(raw);
});

it('gives any bytes back unchanged (seeded)', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const rng = new Rng(seed);
    for (let round = 0; round < 400; round++) {
      const raw = rng.bytes(rng.int(40));
      expect({ seed, round, back: toBytes(fromBytes(raw)) }).toEqual({ seed, round, back: raw });
    }
  }
});
