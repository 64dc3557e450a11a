import { StallClock } from '../../../lib/util/stall-clock';

describe('StallClock: how long the remote owed something without moving', () => {
  it('reaches the limit only while something is owed, counting from when it began', () => {
    const c = new StallClock(1000);
    expect(c.check(0, false)).toBeUndefined();
    expect(c.check(5000, true)).toBeUndefined(); // owed from now: idle time before does not count
    expect(c.check(5999, true)).toBeUndefined();
    expect(c.check(6000, true)).toBe(1000);
  });

  it('a move of the remote starts the count again', () => {
    const c = new StallClock(1000);
    c.check(0, true);
    c.moved(900);
    expect(c.check(1800, true)).toBeUndefined();
    expect(c.check(1900, true)).toBe(1000);
  });

  it('a stretch with nothing owed (a slow producer or reader) forgets the time owed before it', () => {
    const c = new StallClock(1000);
    c.check(0, true);
    expect(c.check(900, false)).toBeUndefined();
    expect(c.check(5000, true)).toBeUndefined();
    expect(c.check(5999, true)).toBeUndefined();
  });

  it('a move while nothing is owed changes nothing', () => {
    const c = new StallClock(1000);
    c.moved(100);
    expect(c.check(200, true)).toBeUndefined();
    expect(c.check(1200, true)).toBe(1000);
  });
});
