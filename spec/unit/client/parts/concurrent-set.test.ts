// changedSince() decides whether another run stored a set of this name
// while this one sent its parts (ERR_CONFLICT, exit 1, instead of exit 0
// over a mix of both runs' parts).
import { changedSince } from '../../../../lib/client/parts/concurrent-set';

describe('changedSince', () => {
  const at = { size: 900n, mtime: 1_780_000_000n };
  it.each([
    ['none before, none now', null, null, false],
    ['the same manifest', at, { ...at }, false],
    ['one appeared', null, at, true],
    ['it went away', at, null, true],
    ['another size', at, { ...at, size: 901n }, true],
    // Two runs of one stream: same parts, so same size; only the time tells them apart.
    ['the same size, written again a second later', at, { ...at, mtime: at.mtime + 1n }, true],
  ] as const)('%s', (_what, before, now, changed) => {
    expect(changedSince(before, now)).toBe(changed);
  });
});
