import { parseStallTimeout } from '../../../cli/stall-timeout';
import { thrown } from '../../helpers/async';

describe('--stall-timeout DURATION', () => {
  it.each([
    ['30', 30_000], ['0', 0], ['0.5', 500], ['90s', 90_000], ['10m', 600_000], ['1h', 3_600_000], ['2H', 7_200_000],
  ])('%s is %d ms', (text, ms) => expect(parseStallTimeout(text)).toBe(ms));

  it.each(['', 'abc', '-5', '10d', '1e3', '5 minutes', '1000000h'])('%j is a usage error that shows it', (text) => {
    const err = thrown(() => parseStallTimeout(text));
    expect(err.code).toBe('ERR_USAGE');
    expect(err.message).toBe(`bad --stall-timeout "${text}": give seconds, or a number with s, m or h (30, 90s, 10m, 1h); 0 for none`);
  });
});
