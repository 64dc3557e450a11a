import { KeyCounts } from '../../../lib/util/key-counts';

describe('KeyCounts', () => {
  it('gives each take back once, however often its release is called, and keeps no key at 0', () => {
    const counts = new KeyCounts<string>();
    const first = counts.take('a');
    const second = counts.take('a');
    expect([counts.get('a'), counts.has('a')]).toEqual([2, true]);
    expect(first()).toBe(1);
    expect(first()).toBeUndefined();
    expect(counts.get('a')).toBe(1);
    expect(second()).toBe(0);
    expect([counts.get('a'), counts.has('a')]).toEqual([0, false]);
  });
});
