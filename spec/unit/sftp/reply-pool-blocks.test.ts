// The blocks a parts set's get packs the parts it holds in RAM into
// (lendBlock): given back in whatever pieces the output wrote them, a block
// is lent again only once every byte it was filled with came back, never
// while a piece is still out; a block filled only part way comes back with
// that part; no more is kept idle than the room it is lent for. Through the
// ChunkList the parts are held in, as get-parts.ts has it.
import { randomBytes } from 'node:crypto';
import { ChunkList } from '../../../lib/spool/chunks';
import { MemoryReplay } from '../../../lib/spool/replay';
import { ReplyPool } from '../../../lib/sftp/reply-pool';

const BLOCK = 4 * 1024 * 1024; // chunks.ts

const blocksOf = (pool: ReplyPool, room = 64 * BLOCK) => ({ lend: (n: number) => pool.lendBlock(n, room), settle: (b: Buffer, filled: number) => pool.settle(b, filled) });

// A part of `bytes` held as get holds it, then written out as its replay gives it (views of 256 KiB at most).
function hold(pool: ReplyPool, bytes: Buffer, room?: number): Buffer[] {
  const list = new ChunkList(16 * 1024, blocksOf(pool, room));
  for (let at = 0; at < bytes.length; at += 32 * 1024) list.push(bytes.subarray(at, at + 32 * 1024), true);
  const out: Buffer[] = [];
  const replay = new MemoryReplay(list.take(), 1);
  for (let chunk = replay.read() as Buffer | null; chunk !== null; chunk = replay.read() as Buffer | null) out.push(chunk);
  return out;
}

describe('blocks for the parts a get holds in RAM', () => {
  it('lends a block again only once every piece of it came back', () => {
    const pool = new ReplyPool();
    const data = randomBytes(BLOCK + 100_000);
    const pieces = hold(pool, data);
    expect(Buffer.concat(pieces).equals(data)).toBe(true);
    const first = pieces[0]!.buffer;
    // All but one piece of the first block back: it stays out.
    const ofFirst = pieces.filter((p) => p.buffer === first);
    expect(ofFirst.length).toBeGreaterThan(1);
    for (const p of ofFirst.slice(1)) pool.giveBack(p);
    expect(pool.lendBlock(BLOCK, Infinity).buffer).not.toBe(first);
    expect(pool.blockCounts).toEqual({ fresh: 3, reused: 0 });
  });

  it('counts a piece given back twice once, so the block stays out while another piece is', () => {
    const pool = new ReplyPool();
    const pieces = hold(pool, randomBytes(BLOCK));
    expect(pieces.length).toBeGreaterThan(2);
    const first = pieces[0]!.buffer;
    // All but the last back, the first twice and again as another view of its bytes.
    for (const p of pieces.slice(0, -1)) pool.giveBack(p);
    pool.giveBack(pieces[0]!);
    pool.giveBack(Buffer.from(first, pieces[0]!.byteOffset, pieces[0]!.length));
    expect(pool.lendBlock(BLOCK, Infinity).buffer).not.toBe(first);
    pool.giveBack(pieces.at(-1)!);
    expect(pool.lendBlock(BLOCK, Infinity).buffer).toBe(first);
    expect(pool.blockCounts).toEqual({ fresh: 2, reused: 1 });
  });

  it('does not count a piece of an earlier lend given back again in the next lend of its block', () => {
    const pool = new ReplyPool();
    const old = hold(pool, randomBytes(BLOCK));
    for (const p of old) pool.giveBack(p);
    const pieces = hold(pool, randomBytes(BLOCK)); // the same block, lent again
    expect(pieces[0]!.buffer).toBe(old[0]!.buffer);
    for (const p of old) pool.giveBack(p);
    for (const p of pieces.slice(1)) pool.giveBack(p);
    expect(pool.lendBlock(BLOCK, Infinity).buffer).not.toBe(old[0]!.buffer);
    expect(pool.blockCounts).toEqual({ fresh: 2, reused: 1 });
  });

  it('takes a block back once the bytes it was filled with are, the last block filled part way too', () => {
    const pool = new ReplyPool();
    const data = randomBytes(BLOCK + 100_000);
    const pieces = hold(pool, data);
    const blocks = [...new Set(pieces.map((p) => p.buffer))];
    expect(blocks).toHaveLength(2);
    for (const p of pieces) pool.giveBack(p);
    const again = [pool.lendBlock(BLOCK, Infinity).buffer, pool.lendBlock(BLOCK, Infinity).buffer];
    expect(new Set(again)).toEqual(new Set(blocks));
    expect(pool.blockCounts).toEqual({ fresh: 2, reused: 2 });
  });

  it('keeps the bytes of a block unchanged until they all came back', () => {
    const pool = new ReplyPool();
    const a = randomBytes(BLOCK);
    const held = hold(pool, a);
    for (const p of held.slice(0, -1)) pool.giveBack(p);
    const last = Buffer.from(held.at(-1)!);
    hold(pool, randomBytes(BLOCK)); // another part meanwhile: a block of its own
    expect(held.at(-1)!.equals(last)).toBe(true);
    expect(pool.blockCounts.reused).toBe(0);
  });

  it('keeps no more blocks idle than its room, and nothing given back from outside a block', () => {
    const pool = new ReplyPool();
    const pieces = hold(pool, randomBytes(3 * BLOCK), 2 * BLOCK);
    pool.giveBack(Buffer.alloc(1024)); // not lent
    for (const p of pieces) pool.giveBack(p);
    for (let i = 0; i < 3; i++) pool.lendBlock(BLOCK, 2 * BLOCK);
    expect(pool.blockCounts).toEqual({ fresh: 4, reused: 2 });
    expect(pool.counts).toEqual({ fresh: 0, reused: 0 }); // the replies' buffers are apart
  });
});
