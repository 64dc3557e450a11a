import { createHash, randomBytes } from 'node:crypto';
import { StreamSum } from '../../../lib/util/stream-sum';

describe('StreamSum', () => {
  const data = randomBytes(3 * 256 * 1024 + 7);
  it.each([1, 4096, 256 * 1024 - 1, 256 * 1024, 256 * 1024 + 1, data.length])('equals createHash over chunks of %i bytes, and the caller may reuse a chunk at once', (size) => {
    const sum = new StreamSum();
    const scratch = Buffer.alloc(size);
    for (let at = 0; at < data.length; at += size) {
      const n = data.copy(scratch, 0, at, at + size);
      sum.update(scratch.subarray(0, n));
      scratch.fill(0xff); // reused at once
    }
    expect(sum.digest()).toBe(createHash('sha256').update(data).digest('hex'));
  });
  it('of nothing is the empty sum', () => {
    expect(new StreamSum().digest()).toBe(createHash('sha256').digest('hex'));
  });
});
