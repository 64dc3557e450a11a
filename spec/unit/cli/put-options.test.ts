import { timings } from '../../../cli/commands/put';
import { parseMode, parseMtime } from '../../../cli/commands/put-args';

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

describe("put -v's timings", () => {
  it('says how long until the first byte could go, then how long the sending took and at what rate', () => {
    expect(timings(1_000_000_000n, true, 1000, 2200, 4200)).toBe('spooled in 1.20 s, sent in 2.00 s (500 MB/s)');
    expect(timings(10n, false, 0, 150, 151)).toBe('set up in 0.15 s, sent in 0.00 s (0 MB/s)');
    expect(timings(0n, true, 0, 90, 90)).toBe('spooled in 0.09 s, sent in 0.00 s');
  });
});
