import { createHash, randomBytes } from 'node:crypto';
import { HashThread } from '../../../../lib/client/parts/hash-thread';
import { waitFor } from '../../../helpers/async';

const sha = (...chunks: Buffer[]): string => {
  const h = createHash('sha256');
  for (const c of chunks) h.update(c);
  return h.digest('hex');
};

describe('HashThread', () => {
  let thread: HashThread;
  beforeEach(() => {
    thread = new HashThread();
  });
  afterEach(() => thread.close());

  it('sums nothing as the SHA-256 of the empty string', async () => {
    const id = thread.newId();
    await expect(thread.feed([id]).digest(id)).resolves.toBe(sha());
  });

  it('feeds two sums with the same bytes and switches one of them between digests', async () => {
    // More than all the blocks at once (16 x 512 KiB), in uneven chunks across block edges.
    const a = randomBytes(5 * 1024 * 1024 + 17);
    const b = randomBytes(3 * 1024 * 1024 + 4099);
    const whole = thread.newId();
    const first = thread.newId();
    const feed = thread.feed([whole, first]);
    for (let at = 0; at < a.length; at += 65_531) await feed.update(a.subarray(at, at + 65_531));
    const firstSum = feed.digest(first);
    const second = thread.newId();
    feed.ids = [whole, second];
    await feed.update(b);
    const secondSum = feed.digest(second);
    feed.ids = [whole];
    await expect(firstSum).resolves.toBe(sha(a));
    await expect(secondSum).resolves.toBe(sha(b));
    await expect(feed.digest(whole)).resolves.toBe(sha(a, b));
  });

  it('fills blocks of plain memory, each back from the worker once summed', async () => {
    // V8 copies into a SharedArrayBuffer with relaxed atomics, several times slower than memmove.
    const id = thread.newId();
    const feed = thread.feed([id]);
    const bytes = randomBytes(3 * 256 * 1024 + 5);
    await feed.update(bytes);
    await expect(feed.digest(id)).resolves.toBe(sha(bytes));
    await waitFor(() => thread.blocks.every((b) => b !== undefined), 'every block back');
    for (const block of thread.blocks) {
      expect(block!.buffer).toBeInstanceOf(ArrayBuffer);
      expect(block!.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    }
  });

  it('keeps concurrent feeds apart, beside one given up', async () => {
    const x = randomBytes(1024 * 1024 + 1);
    const y = randomBytes(700_001);
    const ix = thread.newId();
    const iy = thread.newId();
    const fx = thread.feed([ix]);
    const fy = thread.feed([iy]);
    const dropped = thread.feed([thread.newId()]);
    await dropped.update(randomBytes(1000));
    dropped.close();
    for (let at = 0; at < x.length; at += 32_768) {
      await fx.update(x.subarray(at, at + 32_768));
      await fy.update(y.subarray(at, at + 32_768));
    }
    await expect(Promise.all([fx.digest(ix), fy.digest(iy)])).resolves.toEqual([sha(x), sha(y)]);
  });

  it('fails the sums still awaited once closed', async () => {
    const id = thread.newId();
    const feed = thread.feed([id]);
    await feed.update(Buffer.from('abc'));
    thread.close();
    await expect(feed.digest(id)).rejects.toMatchObject({ code: 'ERR_LOCAL_IO' });
  });
});
