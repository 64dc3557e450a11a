import { thrown } from '../../helpers/async';
import { formatBytes, parseByteSize } from '../../../lib/spool';

describe('parseByteSize', () => {
  it.each([
    ['0', 0n],
    ['17', 17n],
    ['007', 7n],
    ['10B', 10n],
    ['1k', 1024n],
    ['1K', 1024n],
    ['1KB', 1024n],
    ['1kb', 1024n],
    ['1KiB', 1024n],
    ['1kib', 1024n],
    ['64M', 64n * 1024n ** 2n],
    ['64MB', 64n * 1024n ** 2n],
    ['64MiB', 64n * 1024n ** 2n],
    ['64 MiB', 64n * 1024n ** 2n],
    ['  64m\n', 64n * 1024n ** 2n],
    ['3G', 3n * 1024n ** 3n],
    ['3GiB', 3n * 1024n ** 3n],
    ['2T', 2n * 1024n ** 4n],
    ['0M', 0n],
    ['123456789012345678901234567890T', 123456789012345678901234567890n * 1024n ** 4n],
  ])('parses %j as %s bytes', (text, bytes) => {
    expect(parseByteSize(text)).toBe(bytes);
  });

  it.each(['', ' ', 'M', 'KiB', '1.5G', '-1', '+1', '1e6', '0x10', '64X', '64KBB', '64iB', '64  M', '64 M B', '1,024', '64P', '١٢'])(
    'refuses %j with ERR_USAGE',
    (text) => {
      const err = thrown(() => parseByteSize(text));
      expect(err.code).toBe('ERR_USAGE');
      expect(err.message).toContain('bad size');
      expect(err.message).toContain('e.g. 64M');
    },
  );

  it('escapes control characters of the bad text in its message', () => {
    expect(() => parseByteSize('1\x1b[2J')).toThrow('bad size "1\\x1b[2J"');
  });
});

describe('formatBytes', () => {
  it.each<[bigint | number, string]>([
    [0, '0 B'],
    [17, '17 B'],
    [17n, '17 B'],
    [1023, '1023 B'],
    [1024, '1 KiB'],
    [1536, '1.5 KiB'],
    [10 * 1024 + 51, '10 KiB'],
    [10 * 1024 + 103, '10.1 KiB'],
    [812 * 1024, '812 KiB'],
    [812 * 1024 + 300, '812 KiB'],
    [1024 * 1024 - 1, '1 MiB'],
    [12.34 * 1024 * 1024, '12.3 MiB'],
    [1.5 * 1024 ** 3, '1.5 GiB'],
    [1536n * 1024n ** 2n, '1.5 GiB'],
    [5n * 1024n ** 4n, '5 TiB'],
    [2n ** 70n, '1024 EiB'],
    [-2048, '-2 KiB'],
    [1.4, '1 B'],
  ])('formats %s as %j', (n, text) => {
    expect(formatBytes(n)).toBe(text);
  });
});
