// LeftFiles: what a file of a set may hold remotely after attempts that
// each wrote over the start of the last (scp -t does not truncate).
import { LeftFiles } from '../../../../lib/client/parts/left-parts';

const cut = (name: string, written: bigint) => ({ name, written, size: 10n });

describe('LeftFiles', () => {
  it('keeps the most any attempt wrote: a retry whose header went unanswered leaves the earlier bytes', () => {
    const left = new LeftFiles();
    left.note(cut('db.000001', 7n));
    left.note(cut('db.000001', 3n));
    expect(left.of('db.000001', cut('db.000001', 0n))?.written).toBe(7n);
  });

  it('the last attempt\'s own when it wrote more, or when no earlier one left anything', () => {
    const left = new LeftFiles();
    left.note(cut('db.000001', 2n));
    expect(left.of('db.000001', cut('db.000001', 10n))?.written).toBe(10n);
    expect(left.of('db.000002', cut('db.000002', 0n))?.written).toBe(0n);
  });

  it('a last attempt that left nothing said (a failed reconnect) still names what an earlier one left', () => {
    const left = new LeftFiles();
    left.note(cut('db.sha256', 4n));
    expect(left.of('db.sha256')).toEqual(cut('db.sha256', 4n));
    expect(left.of('db.000000')).toBeUndefined();
    left.note(undefined);
  });
});
