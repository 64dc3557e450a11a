import { PartLog } from '../../../../lib/client/parts/part-log';
import type { PartReport } from '../../../../lib/client/parts/put-parts-types';
import { partName } from '../../../../lib/client/parts/names';

const report = (index: number, size = 4n, extra: Partial<PartReport> = {}): PartReport => ({
  index,
  name: partName('s', index),
  size,
  sha256: index.toString(16).padStart(64, '0'),
  lane: index % 3,
  ms: 10.5 + index,
  attempts: 1,
  spooled: 'memory',
  ...extra,
});

describe('PartLog: the confirmed parts, without an object each', () => {
  it('gives back each report as it was added, confirmed out of order, with holes where a part was not', () => {
    const log = new PartLog('s', 4n);
    const added = [report(3, 2n, { attempts: 3, spooled: 'disk' }), report(0), report(1, 4n, { attempts: 2 })];
    for (const r of added) log.add(r);
    expect(log.length).toBe(4);
    expect(log.confirmed).toBe(3);
    expect(log.resends).toBe(3);
    expect(log.onDisk).toBe(true);
    expect(log.indices()).toEqual([0, 1, 3]);
    expect(log.has(2)).toBe(false);
    for (const r of added) expect(log.at(r.index)).toEqual(r);
    const list = log.list();
    expect(list).toHaveLength(4);
    expect(2 in list).toBe(false);
    expect(list.filter(Boolean).map((r) => r.index)).toEqual([0, 1, 3]);
  });

  it('holds 100,000 parts in some 48 bytes each', () => {
    const log = new PartLog('s', 4n);
    for (let i = 0; i < 100_000; i++) log.add(report(i));
    const held = Object.values(log as unknown as Record<string, unknown>).reduce<number>((n, v) => n + (ArrayBuffer.isView(v) ? v.byteLength : 0), 0);
    expect(held / 100_000).toBeLessThan(2 * 48); // arrays grow by doubling
    expect(log.at(99_999)).toEqual(report(99_999));
  });
});
