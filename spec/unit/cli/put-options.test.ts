import { parseMode, parseMtime } from '../../../cli/commands/put';

describe('put option parsing', () => {
  it('parses octal modes', () => {
    expect(parseMode('644')).toBe(0o644);
    expect(parseMode('0600')).toBe(0o600);
    expect(parseMode('4755')).toBe(0o4755);
  });

  it.each(['', '8', '0999', '12345', 'rw-r--r--', '0x1ff'])('refuses the mode %j', (m) => {
    expect(() => parseMode(m)).toThrow(expect.objectContaining({ code: 'ERR_USAGE' }));
  });

  it('parses --mtime as epoch seconds or a date', () => {
    expect(parseMtime('1000000000')).toBe(1000000000n);
    expect(parseMtime('2020-01-02T03:04:05Z')).toBe(1577934245n);
    expect(() => parseMtime('yesterday')).toThrow(expect.objectContaining({ code: 'ERR_USAGE' }));
  });
});
