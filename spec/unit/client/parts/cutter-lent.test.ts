// The cutter with lent chunks (a pipe on stdin read into pooled blocks,
// lent-input.ts): each piece is given back once its part is done with it,
// never sooner (a block given back is filled again at once), every byte once.
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { cutParts } from '../../../../lib/client/parts/cutter';
import { MemoryBudget, type SpooledPart } from '../../../../lib/client/parts/part-writer';
import { ReplyPool } from '../../../../lib/sftp/reply-pool';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const P = 100_000;
const BLOCK = 30_000;

async function cutLent(data: Buffer, memory: number): Promise<{ parts: Buffer[]; sums: string[]; pool: ReplyPool; back: number }> {
  const pool = new ReplyPool();
  let back = 0;
  async function* lent(): AsyncGenerator<Buffer> {
    for (let at = 0; at < data.length; at += BLOCK) {
      const piece = data.subarray(at, at + BLOCK);
      const block = pool.lendBlock(BLOCK, 4 * BLOCK);
      piece.copy(block);
      if (piece.length < BLOCK) pool.settle(block, piece.length);
      yield block.subarray(0, piece.length);
    }
  }
  const taken: SpooledPart[] = [];
  const result = await cutParts(lent(), {
    partSize: P,
    budget: new MemoryBudget(memory),
    spoolDir: tmpdir(),
    signal: new AbortController().signal,
    beforePart: async () => undefined,
    onPart: (part) => taken.push(part),
    giveBack: (chunk) => {
      back += chunk.length;
      chunk.fill(0xee); // as if read into again at once
      pool.giveBack(chunk);
    },
  });
  expect(result.size).toBe(BigInt(data.length));
  expect(result.sha256).toBe(sha(data));
  const parts: Buffer[] = [];
  for (const part of taken) {
    const bytes: Buffer[] = [];
    for await (const c of part.spool.replay()) bytes.push(c as Buffer);
    parts.push(Buffer.concat(bytes));
    await part.dispose();
  }
  return { parts, sums: taken.map((p) => p.sha256), pool, back };
}

describe('cutParts with lent chunks', () => {
  it('tells the input, before each read, how many bytes finish the part being cut', async () => {
    const data = randomBytes(2 * P + 5);
    const wants: number[] = [];
    async function* blocks(): AsyncGenerator<Buffer> {
      for (let at = 0; at < data.length; at += BLOCK) yield data.subarray(at, at + BLOCK);
    }
    const taken: SpooledPart[] = [];
    await cutParts(blocks(), {
      partSize: P,
      budget: new MemoryBudget(10 * P),
      spoolDir: tmpdir(),
      signal: new AbortController().signal,
      beforePart: async () => undefined,
      onPart: (part) => taken.push(part),
      want: (bytes) => wants.push(bytes),
    });
    // 30,000-byte chunks into 100,000-byte parts: the fourth ends the first part and starts the second,
    // the seventh (20,005 bytes) ends the second and puts 5 bytes in the third.
    expect(wants).toEqual([100_000, 70_000, 40_000, 10_000, 80_000, 50_000, 20_000, 99_995]);
    for (const part of taken) await part.dispose();
  });

  for (const [what, memory] of [
    ['spilled to disk', 0],
    ['in RAM', 10 * P],
    ['in RAM, then spilled', P + P / 2],
  ] as const) {
    it(`gives each byte back once its part is done with it, ${what}`, async () => {
      const data = randomBytes(3 * P + 12_345); // parts that do not line up with the blocks
      const { parts, sums, back } = await cutLent(data, memory);
      expect(Buffer.concat(parts).equals(data)).toBe(true);
      expect(parts.map((p) => p.length)).toEqual([P, P, P, 12_345]);
      expect(sums).toEqual(parts.map(sha));
      expect(back).toBe(data.length);
    });
  }

  it('fills blocks again while the stream is cut when the parts are spilled', async () => {
    const data = randomBytes(20 * P);
    const { parts, pool } = await cutLent(data, 0);
    expect(Buffer.concat(parts).equals(data)).toBe(true);
    expect(pool.blockCounts.reused).toBeGreaterThan(pool.blockCounts.fresh);
  });
});
