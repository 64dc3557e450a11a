import { readOrdered } from '../../../lib/sftp/reader';
import { FakeSession } from './fake-session';

const handle = Buffer.from('h');

async function collect(it: AsyncIterable<Buffer>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const b of it) out.push(b);
  return Buffer.concat(out);
}

describe('readOrdered', () => {
  it('reads exactly size bytes in order over the lanes', async () => {
    const a = new FakeSession();
    const b = new FakeSession();
    a.file = b.file = Buffer.from('0123456789abcdefghij');
    const got = await collect(readOrdered([{ session: a.asSession(), handle }, { session: b.asSession(), handle }], 18, { path: 'f', pieceSize: 4, maxInFlight: 12 }));
    expect(got.toString()).toBe('0123456789abcdefgh');
    expect(a.reads.length + b.reads.length).toBe(5);
    expect(b.reads.length).toBeGreaterThan(0);
  });

  it('asks again for the rest of a short read, before anything after it', async () => {
    const s = new FakeSession();
    s.file = Buffer.from('0123456789');
    s.readCap = 3;
    const got = await collect(readOrdered([{ session: s.asSession(), handle }], 10, { path: 'f', pieceSize: 4, maxInFlight: 8 }));
    expect(got.toString()).toBe('0123456789');
  });

  it('a file shorter than its size is an error, never a short stream', async () => {
    const s = new FakeSession();
    s.file = Buffer.from('012345');
    await expect(collect(readOrdered([{ session: s.asSession(), handle }], 10, { path: 'f', pieceSize: 4, maxInFlight: 8 }))).rejects.toMatchObject({
      code: 'ERR_REMOTE',
      message: 'f: the file ended at 6 of 10 bytes (it shrank while being read)',
    });
  });

  it('starts where told (a resumed download)', async () => {
    const s = new FakeSession();
    s.file = Buffer.from('0123456789');
    const got = await collect(readOrdered([{ session: s.asSession(), handle }], 10, { path: 'f', start: 7, pieceSize: 4, maxInFlight: 8 }));
    expect(got.toString()).toBe('789');
  });

  it('with checkEnd, a file longer than its size is an error; one that ends there is read whole', async () => {
    const s = new FakeSession();
    s.file = Buffer.from('0123456789');
    const opts = { path: 'f', pieceSize: 4, maxInFlight: 8, checkEnd: true };
    await expect(collect(readOrdered([{ session: s.asSession(), handle }], 9, opts))).rejects.toMatchObject({
      code: 'ERR_REMOTE',
      message: 'f: the file is longer than the 9 bytes its size said (it grew while being read)',
    });
    expect((await collect(readOrdered([{ session: s.asSession(), handle }], 10, opts))).toString()).toBe('0123456789');
    expect((await collect(readOrdered([{ session: s.asSession(), handle }], 9, { ...opts, checkEnd: false }))).length).toBe(9);
    s.file = Buffer.alloc(0);
    expect((await collect(readOrdered([{ session: s.asSession(), handle }], 0, opts))).length).toBe(0);
  });
});
