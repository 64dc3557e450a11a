import { partIndex, partName, partSuffix } from '../../../../lib/client/parts/names';

describe('part names', () => {
  it('are six digits, then grow by a leading 9 so that byte order stays stream order', () => {
    expect(partSuffix(0)).toBe('000000');
    expect(partSuffix(899_999)).toBe('899999');
    expect(partSuffix(900_000)).toBe('90000000');
    expect(partSuffix(900_000 + 8_999_999)).toBe('98999999');
    const indices = [0, 1, 9, 10, 899_998, 899_999, 900_000, 900_001, 9_899_999, 9_900_000, 99_000_000];
    const names = indices.map((i) => partName('x', i));
    expect([...names].sort()).toEqual(names);
    for (const i of indices) expect(partIndex('x', partName('x', i))).toBe(i);
  });

  it('refuse what is not a part of the set', () => {
    expect(partIndex('x', 'x.sha256')).toBeUndefined();
    expect(partIndex('x', 'x.12345')).toBeUndefined();
    expect(partIndex('x', 'y.000000')).toBeUndefined();
    expect(partIndex('x', 'x.900000')).toBeUndefined();
  });
});
