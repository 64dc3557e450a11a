// The names `get --output FILE --resume` keeps beside FILE: a single
// file's says its remote path, and an earlier version's names are known.
import { isKeptRestoreName, keptFileName, keptFileVersion } from '../../../lib/client/kept-names';

describe('kept names', () => {
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
