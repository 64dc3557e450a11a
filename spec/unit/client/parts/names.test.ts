import { isSetTempName, manifestName, partIndex, partName, partSuffix } from '../../../../lib/client/parts/names';
import { tempNameFor } from '../../../../lib/client/sftp-paths';

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

  // put --remove-stale removes what this says is the set's: a user's file
  // it takes for one is lost.
  it("know an SFTP upload's temporary names of the set's parts and manifest, and nothing else", () => {
    for (const file of [partName('db', 0), partName('db', 900_000), manifestName('db')]) expect(isSetTempName(tempNameFor(file), 'db')).toBe(true);
    const long = 'n'.repeat(250); // its parts' temporary names are cut to NAME_MAX, index and all
    expect(Buffer.byteLength(tempNameFor(partName(long, 3)))).toBe(255);
    expect(isSetTempName(tempNameFor(partName(long, 3)), long)).toBe(true);
    for (const [file, set] of [
      [tempNameFor('db'), 'db'], // the plain file's
      [tempNameFor(partName('dbx', 0)), 'db'],
      [`${tempNameFor(partName('db', 1))}.bak`, 'db'],
      [`${tempNameFor(partName('db', 1))}x`, 'db'],
      [tempNameFor(partName('db', 1)).slice(1), 'db'], // no leading dot
      [tempNameFor(partName('db', 1)).slice(0, -1), 'db'],
      ['.db.000001.scpipe-ab/def', 'db'],
      [tempNameFor(partName('m'.repeat(250), 3)), long],
    ] as const) {
      expect([file, isSetTempName(file, set)]).toEqual([file, false]);
    }
  });
});
