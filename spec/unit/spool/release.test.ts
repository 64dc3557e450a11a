import { ChunkList } from '../../../lib/spool/chunks';
import { releaseMemory } from '../../../lib/spool/release';

const KiB = 1024;
const MiB = 1024 * 1024;

describe('ChunkList.takeWithBlocks', () => {
  it('hands over exactly the blocks it packed into, not the chunks it kept by reference', () => {
    const list = new ChunkList();
    const big = Buffer.alloc(MiB, 1);
    list.push(Buffer.alloc(10 * KiB, 2));
    list.push(big);
    list.push(Buffer.alloc(5 * KiB, 3));
    const { chunks, blocks } = list.takeWithBlocks();
    expect(chunks.map((c) => c.length)).toEqual([10 * KiB, MiB, 5 * KiB]);
    expect(chunks[1]).toBe(big);
    expect(blocks).toHaveLength(1); // the small chunks share one block, around the big one
    expect(blocks[0]).toBe(chunks[0]!.buffer);
    expect(chunks[2]!.buffer).toBe(blocks[0]);
    expect(list.byteLength).toBe(0);
  });

  it('starts a fresh block afterwards, so releasing the old ones cannot hurt new chunks', () => {
    const list = new ChunkList();
    list.push(Buffer.alloc(KiB, 1));
    const first = list.takeWithBlocks();
    releaseMemory(first.blocks);
    list.push(Buffer.alloc(KiB, 7));
    const { chunks, blocks } = list.takeWithBlocks();
    expect(Buffer.concat(chunks)).toEqual(Buffer.alloc(KiB, 7));
    expect(blocks).toHaveLength(1);
    expect(blocks[0]).not.toBe(first.blocks[0]);
  });
});

describe('releaseMemory', () => {
  it('detaches each buffer: every view of it becomes empty', () => {
    const buffer = Buffer.allocUnsafeSlow(4 * KiB);
    const view = buffer.subarray(100, 200);
    releaseMemory([buffer.buffer]);
    expect(buffer.buffer.byteLength).toBe(0);
    expect(buffer.length).toBe(0);
    expect(view.length).toBe(0);
  });

  it('skips detached and shared buffers', () => {
    const buffer = new ArrayBuffer(16);
    const shared = new SharedArrayBuffer(16);
    releaseMemory([buffer]);
    expect(() => releaseMemory([buffer, shared])).not.toThrow();
    expect(shared.byteLength).toBe(16);
  });
});
