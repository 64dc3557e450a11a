import { MAX_LANES, chooseLanes } from '../../../lib/sftp/lanes';

describe('chooseLanes', () => {
  it('uses one channel below 2 ms (loopback, LAN) and one more per 5 ms above, up to MAX_LANES', () => {
    expect(chooseLanes(0.1)).toBe(1);
    expect(chooseLanes(1.99)).toBe(1);
    expect(chooseLanes(2)).toBe(2);
    expect(chooseLanes(20)).toBe(4);
    expect(chooseLanes(100)).toBe(MAX_LANES);
    expect(chooseLanes(Number.NaN)).toBe(1);
  });
});
