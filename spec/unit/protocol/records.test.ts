import { encodeDirectory, encodeEnd, encodeFile, encodeTimes, encodeWarning, encodeFatal, MAX_LINE_BYTES } from '../../../lib/protocol/records';

describe('encodeFile (docs/protocol.md §2)', () => {
  it('writes a four-digit octal mode, a decimal size and the name', () => {
    expect(encodeFile(0o644, 5n, 'f1').toString()).toBe('C0644 5 f1\n');
    expect(encodeFile(0o7, 0n, 'x').toString()).toBe('C0007 0 x\n');
  });

  it('masks the mode with 06777 like OpenSSH (no sticky bit, no file type)', () => {
    expect(encodeFile(0o104755, 1n, 'a').toString()).toBe('C4755 1 a\n');
    expect(encodeFile(0o1777, 1n, 'a').toString()).toBe('C0777 1 a\n');
  });

  it('keeps sizes beyond 4 GiB and 2^53 exact', () => {
    expect(encodeFile(0o600, 5n * 2n ** 30n, 'big').toString()).toBe('C0600 5368709120 big\n');
    expect(encodeFile(0o600, 2n ** 53n + 1n, 'huge').toString()).toBe('C0600 9007199254740993 huge\n');
    expect(encodeFile(0o600, 2n ** 63n - 1n, 'max').toString()).toBe('C0600 9223372036854775807 max\n');
  });

  it('refuses sizes a sink cannot take', () => {
    expect(() => encodeFile(0o600, 2n ** 63n, 'x')).toThrow(/out of range/);
    expect(() => encodeFile(0o600, -1n, 'x')).toThrow(/out of range/);
  });

  it('keeps spaces and UTF-8 in names', () => {
    expect(encodeFile(0o644, 1n, 'a b ü').toString('utf8')).toBe('C0644 1 a b ü\n');
  });

  it.each([
    ['', /empty/],
    ['.', /not a file name/],
    ['..', /not a file name/],
    ['a/b', /"\/"/],
    ['a\nb', /newline/],
    ['a\0b', /NUL/],
  ])('refuses the name %j', (name, why) => {
    expect(() => encodeFile(0o644, 1n, name)).toThrow(expect.objectContaining({ code: 'ERR_USAGE', message: expect.stringMatching(why) }));
  });

  it('refuses a header longer than the sink buffer (docs/protocol.md §8)', () => {
    const longest = 'n'.repeat(MAX_LINE_BYTES - 'C0644 1 \n'.length);
    expect(encodeFile(0o644, 1n, longest)).toHaveLength(MAX_LINE_BYTES);
    expect(() => encodeFile(0o644, 1n, `${longest}n`)).toThrow(/too long/);
  });
});

describe('other records', () => {
  it('encodes D, E and T like OpenSSH', () => {
    expect(encodeDirectory(0o755, 'd').toString()).toBe('D0755 0 d\n');
    expect(encodeEnd().toString()).toBe('E\n');
    expect(encodeTimes({ mtime: 1000000000n, atime: 1700000000n }).toString()).toBe('T1000000000 0 1700000000 0\n');
    expect(encodeTimes({ mtime: -5n, atime: 2n ** 40n }).toString()).toBe('T0 0 1099511627776 0\n');
  });

  it('encodes \\1 and \\2 replies on one line that fits the peer buffer', () => {
    expect(encodeWarning('f: No space left on device').toString()).toBe('\x01scp: f: No space left on device\n');
    expect(encodeWarning('two\nlines').toString()).toBe('\x01scp: two lines\n');
    expect(encodeFatal('bye').toString()).toBe('\x02bye\n');
    const long = encodeWarning('x'.repeat(5000));
    expect(long.length).toBeLessThanOrEqual(MAX_LINE_BYTES);
    expect(long[long.length - 1]).toBe(10);
    expect(long.subarray(0, -1).includes(10)).toBe(false);
  });
});
