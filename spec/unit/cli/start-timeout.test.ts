import { parseStartTimeout } from '../../../cli/start-timeout';
import { thrown } from '../../helpers/async';

describe('--start-timeout DURATION', () => {
  it.each([
    ['30', 30_000], ['0.5', 500], ['90s', 90_000], ['10m', 600_000], ['1h', 3_600_000],
  ])('%s is %d ms', (text, ms) => expect(parseStartTimeout(text)).toBe(ms));

  // 0 (or less than a millisecond) would fail every host; none at all would wait for good on a silent forced command.
  it.each(['0', '0.0001', '', 'abc', '-5', '10d', '1e3', '1000000h'])('%j is a usage error that shows it', (text) => {
    const err = thrown(() => parseStartTimeout(text));
    expect(err.code).toBe('ERR_USAGE');
    expect(err.message).toBe(`bad --start-timeout "${text}": give seconds, or a number with s, m or h (30, 90s, 10m, 1h), more than 0; default 10`);
  });
});
