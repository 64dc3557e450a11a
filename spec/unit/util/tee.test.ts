import { tee } from '../../../lib/util/tee';

async function* counted(n: number, size: number, onRead?: (i: number) => void): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < n; i++) {
    onRead?.(i);
    yield new Uint8Array(size).fill(i & 0xff);
  }
}

async function all(branch: AsyncIterable<Uint8Array>): Promise<number[]> {
  const seen: number[] = [];
  for await (const chunk of branch) seen.push(chunk[0]!);
  return seen;
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('tee', () => {
  it.each([0, 1, 7])('gives every branch every chunk in order (%i chunks, 3 branches)', async (n) => {
    const { branches } = tee(counted(n, 10), 3);
    const expected = Array.from({ length: n }, (_, i) => i);
    expect(await Promise.all(branches.map(all))).toEqual([expected, expected, expected]);
  });

  it('reads the source only maxAhead past the slowest branch', async () => {
    let read = 0;
    const { branches } = tee(counted(100, 10, (i) => (read = i + 1)), 2, 30);
    const fast = all(branches[0]!);
    const slow = branches[1]![Symbol.asyncIterator]();
    for (let i = 0; i < 10; i++) await tick();
    expect(read).toBeLessThanOrEqual(4); // 30 bytes held, and one more being read
    await slow.next();
    for (let i = 0; i < 10; i++) await tick();
    expect(read).toBeLessThanOrEqual(5);
    for (let r = await slow.next(); !r.done; r = await slow.next());
    expect(await fast).toHaveLength(100);
  });

  it('a closed branch (one that never started) does not hold the others back', async () => {
    const t = tee(counted(50, 10), 2, 20);
    const running = all(t.branches[0]!);
    for (let i = 0; i < 10; i++) await tick();
    t.close(1);
    expect(await running).toHaveLength(50);
  });

  it('a branch that stops early lets the rest go on; all stopping closes the source', async () => {
    let closed = false;
    const source = {
      [Symbol.asyncIterator]: () => {
        let i = 0;
        return {
          next: async () => ({ done: false as const, value: new Uint8Array([i++ & 0xff]) }),
          return: async () => {
            closed = true;
            return { done: true as const, value: undefined };
          },
        };
      },
    };
    const { branches } = tee(source, 2, 4);
    const take = async (branch: AsyncIterable<Uint8Array>, n: number): Promise<number> => {
      let got = 0;
      for await (const _ of branch) if (++got === n) break;
      return got;
    };
    expect(await Promise.all([take(branches[0]!, 3), take(branches[1]!, 40)])).toEqual([3, 40]);
    expect(closed).toBe(true);
  });

  it('a source error reaches every branch still reading', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array([1]);
      throw new Error('producer died');
    }
    const { branches } = tee(failing(), 2);
    const settled = await Promise.allSettled(branches.map(all));
    expect(settled.map((s) => (s.status === 'rejected' ? (s.reason as Error).message : 'resolved'))).toEqual(['producer died', 'producer died']);
  });
});
