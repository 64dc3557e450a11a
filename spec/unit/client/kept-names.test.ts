// The names `get --output FILE --resume` keeps beside FILE: within NAME_MAX
// for any FILE name a file system takes, found again by the functions that
// recognise them, and apart for two long names that share their start.
import { isKeptRestoreName, isKeptSetName, keptBase, keptFileName, keptFileVersion, keptSetName, remotePathHash, resumeLockName, sameRemotePath } from '../../../lib/client/kept-names';
import { fromBytes, toBytes } from '../../../lib/util/byte-text';

const bytes = (s: string): number => toBytes(s).length;
const MAX_SIZE = 2n ** 64n - 1n;
const MAX_MTIME = 2 ** 32 - 1;

// A name of `length` bytes made of `unit` (then ASCII to fill up).
function nameOf(unit: string, length: number): string {
  let name = '';
  while (bytes(name + unit) <= length) name += unit;
  return name + 'x'.repeat(length - bytes(name));
}

describe('kept names', () => {
  const units = ['n', 'é', '€', '😀', fromBytes(Buffer.from([0xe9]))]; // 1, 2, 3, 4 bytes, and a byte that is not UTF-8
  it.each(units)('every name for a FILE of 1 to 255 bytes of %j is within 255 bytes and recognised', (unit) => {
    for (let length = 1; length <= 255; length++) {
      const file = `/restore/${nameOf(unit, length)}`;
      const single = keptFileName(file, MAX_SIZE, MAX_MTIME, '/srv/a.bin');
      const set = keptSetName(file, '0123456789abcdef');
      for (const name of [single, set, resumeLockName(file) + '.break']) expect(bytes(name)).toBeLessThanOrEqual(255);
      expect(keptFileVersion(single, file)).toEqual({ size: MAX_SIZE, mtime: MAX_MTIME, pathHash: expect.stringMatching(/^[0-9a-f]{8}$/) });
      expect(isKeptSetName(set, file)).toBe(true);
      expect(isKeptRestoreName(single, file) && isKeptRestoreName(set, file)).toBe(true);
      expect(isKeptRestoreName(resumeLockName(file), file)).toBe(false);
    }
  });

  it('a FILE name of up to 199 bytes is the base as it is; from 200 it is cut and marked', () => {
    expect(keptBase(`/r/${'n'.repeat(199)}`)).toBe('n'.repeat(199));
    expect(keptBase(`/r/${'n'.repeat(200)}`)).toMatch(/^n{190}~[0-9a-f]{8}$/);
    expect(resumeLockName(`/r/${'n'.repeat(243)}`)).toMatch(/^n{190}~[0-9a-f]{8}\.scpipe-lock$/);
  });

  it('two long FILE names that share their first 250 bytes have bases of their own', () => {
    const a = keptBase(`/r/${'n'.repeat(250)}aaaaa`);
    const b = keptBase(`/r/${'n'.repeat(250)}bbbbb`);
    expect(a).not.toBe(b);
    expect(isKeptSetName(keptSetName(`/r/${'n'.repeat(250)}aaaaa`, '0123456789abcdef'), `/r/${'n'.repeat(250)}bbbbb`)).toBe(false);
  });

  it('the remote path is in a single file\'s name: another path, another name', () => {
    expect(keptFileName('/r/out', 10n, 20, 'x.aa')).not.toBe(keptFileName('/r/out', 10n, 20, 'x.ab'));
    expect(keptFileName('/r/out', 10n, 20, 'x.aa')).toMatch(/^out\.scpipe-partial-10-20-[0-9a-f]{8}$/);
  });

  it("an earlier version's names are known (a single file's without a path), not another FILE's", () => {
    expect(keptFileVersion('out.scpipe-partial-10-20', '/r/out')).toEqual({ size: 10n, mtime: 20 });
    expect(isKeptRestoreName('out.scpipe-partial-10-20', '/r/out')).toBe(true);
    expect(isKeptRestoreName('out.scpipe-partial-0123456789abcdef', '/r/out')).toBe(true);
    expect(isKeptRestoreName('out2.scpipe-partial-10-20', '/r/out')).toBe(false);
    expect(keptFileVersion('out.scpipe-partial-10-20-xyz', '/r/out')).toBeUndefined();
  });
});

describe('the remote path a kept file is named by', () => {
  it.each([
    ['f', 'f'],
    ['./f', 'f'],
    ['~/f', 'f'],
    ['~//f', 'f'],
    ['dir//f', 'dir/f'],
    ['./dir/./f', 'dir/f'],
    ['dir/f/.', 'dir/f'],
    ['dir/f/', 'dir/f'],
    ['/home/u/f', '/home/u/f'],
    ['//home//u/./f', '/home/u/f'],
    ['/', '/'],
    ['.', '.'],
    ['~', '.'],
    ['', '.'],
  ])('%j is %j', (given, same) => {
    expect(sameRemotePath(given)).toBe(same);
    expect(remotePathHash(given)).toBe(remotePathHash(same));
  });

  it.each([
    ['f', '/f'],
    ['a/../f', 'f'],
    ['~u/f', 'f'],
    ['f ', 'f'],
    ['x.aa', 'x.ab'],
  ])('%j and %j are other paths', (one, other) => {
    expect(remotePathHash(one)).not.toBe(remotePathHash(other));
  });
});
