import { MAX_PARTS } from '../../../lib/internal';
import { SMALL_SET_PARTS, smallPartsWarning, smallPartsWatch } from '../../../cli/small-parts';

describe('smallPartsWatch: a part size under 64K on a stream of unknown size', () => {
  const watch = (partSize: bigint, sizeKnown = false): { seen: (bytes: bigint) => void; said: string[] } | undefined => {
    const said: string[] = [];
    const seen = smallPartsWatch(partSize, String(partSize), sizeKnown, (w) => said.push(w));
    return seen && { seen, said };
  };

  it('says the warning once, when the stream passes 256 parts, not before', () => {
    const w = watch(1024n)!;
    w.seen(0n);
    w.seen(SMALL_SET_PARTS * 1024n); // exactly 256 parts: fits, no word
    expect(w.said).toEqual([]);
    w.seen(SMALL_SET_PARTS * 1024n + 1n);
    w.seen(10n ** 9n);
    expect(w.said).toEqual([smallPartsWarning(1024n, '1024')]);
  });

  it('watches nothing at 64K or more, nor when the size was known at the start', () => {
    expect(watch(64n * 1024n)).toBeUndefined();
    expect(watch(1n << 30n)).toBeUndefined();
    expect(watch(1n, true)).toBeUndefined();
    expect(watch(64n * 1024n - 1n)).toBeDefined();
  });

  it('names the most the set may hold, and what happens there', () => {
    expect(smallPartsWarning(1024n, '1K')).toBe(
      `warning: --part-size 1K: a set holds at most ${MAX_PARTS} parts, so this one stops once the stream passes 4 GiB ` +
        '(exit 1, the parts sent left without a manifest); for a longer stream give a larger --part-size (a 2 TB stream wants parts of a GiB or so)',
    );
    expect(smallPartsWarning(1n, '1')).toContain('stops once the stream passes 4 MiB');
  });
});
