import { checksumFor, formatChecksumLine, parseChecksumFile, parseSha256 } from '../../../lib/util/checksum-file';
import { thrown } from '../../helpers/async';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

describe('formatChecksumLine', () => {
  it('writes sha256sum\'s text-mode line', () => {
    expect(formatChecksumLine(A, 'home.tar.zst')).toBe(`${A}  home.tar.zst\n`);
  });
  it('escapes a backslash, a newline and a carriage return, marking the line with a leading backslash, as GNU sha256sum does', () => {
    expect(formatChecksumLine(A, 'a\\b\nc\rd')).toBe(`\\${A}  a\\\\b\\nc\\rd\n`);
  });
  it('reads back what it writes', () => {
    for (const name of ['plain', 'sp ace', 'a\\b', 'new\nline', '*star', ' lead']) {
      expect(parseChecksumFile(formatChecksumLine(A, name), 'f')).toEqual([{ sha256: A, name }]);
    }
  });
});

describe('parseChecksumFile', () => {
  it('reads text and binary lines, BSD tagged lines, uppercase hex, CRLF; skips blank and # lines', () => {
    const text = `# made by hand\n\n${A}  one\r\n${B.toUpperCase()} *two\nSHA256 (three (3)) = ${A}\n`;
    expect(parseChecksumFile(text, 'f')).toEqual([
      { sha256: A, name: 'one' },
      { sha256: B, name: 'two' },
      { sha256: A, name: 'three (3)' },
    ]);
  });
  it('reads sha256sum --tag lines whose names it escaped (a leading backslash)', () => {
    // As GNU sha256sum 9.1 --tag writes `back\slash` and `new<LF>line`.
    const text = `\\SHA256 (back\\\\slash) = ${A}\n\\SHA256 (new\\nline) = ${B}\n`;
    expect(parseChecksumFile(text, 'f')).toEqual([
      { sha256: A, name: 'back\\slash' },
      { sha256: B, name: 'new\nline' },
    ]);
  });
  it.each([['a short sum', `${'a'.repeat(63)}  x`], ['no name separator', `${A}x`], ['md5sum output', 'd41d8cd98f00b204e9800998ecf8427e  x']])(
    'refuses %s, naming the line',
    (_what, line) => {
      expect(thrown(() => parseChecksumFile(`${A}  ok\n${line}\n`, 'sums.txt'))).toMatchObject({ code: 'ERR_USAGE', message: 'sums.txt, line 2: not a SHA-256 checksum line ("HEX  NAME")' });
    },
  );
});

describe('checksumFor', () => {
  const entries = [
    { sha256: A, name: 'dir/one' },
    { sha256: B, name: 'two' },
  ];
  it('takes the only line whatever its name', () => {
    expect(checksumFor([{ sha256: A, name: 'other' }], 'x/y', 'f')).toBe(A);
  });
  it('takes the line of the path, else of its last component', () => {
    expect(checksumFor(entries, 'dir/one', 'f')).toBe(A);
    expect(checksumFor(entries, '/srv/backups/one', 'f')).toBe(A);
    expect(checksumFor(entries, 'vault/two', 'f')).toBe(B);
  });
  it('refuses a name with no line, or with lines that disagree', () => {
    expect(() => checksumFor(entries, 'three', 'f')).toThrow('f has no line for three');
    expect(() => checksumFor([...entries, { sha256: B, name: 'x/one' }], 'one', 'f')).toThrow('f has different sums for one');
  });
});

describe('parseSha256', () => {
  it('lowercases 64 hex digits and refuses anything else', () => {
    expect(parseSha256(A.toUpperCase(), '--expect-sha256')).toBe(A);
    expect(() => parseSha256('abc', '--expect-sha256')).toThrow('--expect-sha256 "abc" is not a SHA-256 (64 hex digits)');
  });
});
