import { WriteLedger } from '../../../lib/sftp/ledger';

const buf = (n: number): Buffer => Buffer.alloc(n);

describe('WriteLedger', () => {
  it('gives increasing offsets and resumes at the first unacknowledged one', () => {
    const l = new WriteLedger();
    const a = l.take(buf(10));
    const b = l.take(buf(5));
    const c = l.take(buf(7));
    expect([a.offset, b.offset, c.offset]).toEqual([0, 10, 15]);
    expect(l.resumePoint).toBe(0);
    l.ack(15); // out of order: held until everything before it is acknowledged
    expect(l.resumePoint).toBe(0);
    expect(l.heldBytes).toBe(22);
    l.ack(0);
    expect(l.resumePoint).toBe(10);
    expect(l.heldBytes).toBe(12);
    l.ack(10);
    expect(l.resumePoint).toBe(22);
    expect(l.heldBytes).toBe(0);
    expect(l.settled).toBe(true);
    expect(l.taken).toBe(22);
  });

  it('rewinds every held chunk, acknowledged ones above the resume point too', () => {
    const l = new WriteLedger();
    l.take(buf(4));
    l.take(buf(4));
    l.take(buf(4));
    l.ack(0);
    l.ack(8);
    const again = l.rewind();
    expect(again.map((c) => [c.offset, c.acked])).toEqual([[4, false], [8, false]]);
    expect(l.resumePoint).toBe(4);
    l.ack(8);
    l.ack(4);
    expect(l.settled).toBe(true);
    expect(l.resumePoint).toBe(12);
  });

  it('refuses an acknowledgement for an offset never sent', () => {
    expect(() => new WriteLedger().ack(3)).toThrow(expect.objectContaining({ code: 'ERR_USAGE', message: 'WriteLedger.ack(3): no chunk taken at that offset awaits its acknowledgement' }));
  });
});
