// What a parts put needs in its spool directory: parallel + 1 parts, less
// those that fit whole in --memory, and no more parts than a known input has.
// A get fills its parts at once, sharing --memory in pieces: any may spill.
import { spoolNeed } from '../../../../lib/client/parts/spool-room';

const MiB = 1024 * 1024;

describe('spoolNeed', () => {
  it('is (parallel + 1) parts with no memory', () => {
    expect(spoolNeed({ dir: '/x', partSize: 4 * MiB, parallel: 4, memoryLimit: 0 })).toBe(20 * MiB);
  });

  it('leaves out the parts that fit whole in memory (a part past it goes to a file whole)', () => {
    expect(spoolNeed({ dir: '/x', partSize: 40 * MiB, parallel: 4, memoryLimit: 64 * MiB })).toBe(160 * MiB);
    expect(spoolNeed({ dir: '/x', partSize: 16 * MiB, parallel: 3, memoryLimit: 64 * MiB })).toBe(0);
  });

  it('counts no more than an input of known length has', () => {
    expect(spoolNeed({ dir: '/x', partSize: 4 * MiB, parallel: 4, memoryLimit: 0, size: 5 * MiB })).toBe(5 * MiB);
    expect(spoolNeed({ dir: '/x', partSize: 4 * MiB, parallel: 4, memoryLimit: 0, size: 0 })).toBe(0);
  });

  it('takes another parallelism to try', () => {
    expect(spoolNeed({ dir: '/x', partSize: 2 * MiB, parallel: 4, memoryLimit: 0 }, 1)).toBe(4 * MiB);
  });

  it('counts every part a get holds, which fills them at once, unless they all fit in memory', () => {
    const get = { dir: '/x', partSize: 32 * MiB, parallel: 4, memoryLimit: 64 * MiB, together: true };
    expect(spoolNeed(get)).toBe(160 * MiB); // each may outgrow its share of the 64 MiB and go to a file whole
    expect(spoolNeed(get, 2)).toBe(96 * MiB);
    expect(spoolNeed(get, 1)).toBe(0); // two parts, 64 MiB: RAM holds them
    expect(spoolNeed({ ...get, size: 100 * MiB })).toBe(100 * MiB); // a set of 4 parts, the last 4 MiB
    expect(spoolNeed({ ...get, partSize: 8 * MiB })).toBe(0); // 40 MiB in all: RAM holds them
    expect(spoolNeed({ ...get, partSize: 8 * MiB, size: 200 * MiB }, 7)).toBe(0); // 8 held, 64 MiB: RAM holds them
    expect(spoolNeed({ ...get, partSize: 8 * MiB, size: 200 * MiB }, 8)).toBe(72 * MiB);
  });
});
