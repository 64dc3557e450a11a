import { parseLimit } from '../../../cli/scp-options';

describe('-l KBITS', () => {
  it('takes 1 Kbit/s and more, fractions too', () => {
    expect(parseLimit('1')).toBe(1);
    expect(parseLimit('8000')).toBe(8000);
    expect(parseLimit('1.5')).toBe(1.5);
    expect(parseLimit('99999999999999999999')).toBe(1e20);
  });

  // OpenSSH's scp says usage for these too; -l 0.001 (0.125 bytes/s) looked like a hang.
  it.each(['0', '0.001', '0.999', '-1', 'fast', '1e3', ''])('refuses -l %j', (text) => {
    expect(() => parseLimit(text)).toThrow(expect.objectContaining({ code: 'ERR_USAGE' }));
  });
});
