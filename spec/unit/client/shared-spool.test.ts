// The one spool of putMany's SCP targets, over a real tee: fed once from its
// own branch, only once a target chose SCP; let go when all chose SFTP;
// replayed by each taker; stopped once no one may use it.
import { SharedSpool } from '../../../lib/client/shared-spool';
import { tee } from '../../../lib/util/tee';
import { rejection, waitFor } from '../../helpers/async';

async function* counted(n: number, size: number, onRead?: (i: number) => void): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < n; i++) {
    onRead?.(i);
    yield new Uint8Array(size).fill(i & 0xff);
  }
}

async function bytesOf(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

// `count` targets and the spool's branch (the last), as putMany splits them.
function shared(count: number, source: AsyncIterable<Uint8Array>, maxAhead?: number): { split: ReturnType<typeof tee>; spool: SharedSpool } {
  const split = tee(source, count + 1, maxAhead);
  const spool = new SharedSpool(new Array<boolean>(count).fill(true), split.branches[count]!, () => split.close(count), () => ({ memoryLimit: 100 }), (i) => split.close(i));
  return { split, spool };
}

describe('SharedSpool', () => {
  it('two SCP targets take one spool, fed once, and each replays every byte', async () => {
    const { spool } = shared(2, counted(50, 10));
    const seats = [spool.seat(0)!, spool.seat(1)!];
    seats.forEach((seat) => seat.chose('scp'));
    const [a, b] = await Promise.all(seats.map((seat) => seat.take({})));
    expect(a).toBe(b);
    expect(a!.size).toBe(500n);
    const expected = Buffer.concat(Array.from({ length: 50 }, (_, i) => Buffer.alloc(10, i)));
    expect((await bytesOf(a!.replay())).equals(expected)).toBe(true);
    expect((await bytesOf(b!.replay())).equals(expected)).toBe(true);
    seats.forEach((seat) => seat.done());
    await spool.dispose();
    expect(() => a!.replay()).toThrow('the spool has been disposed');
  });

  it('every target on SFTP: the spool\'s branch is let go, so the others read the whole source past maxAhead', async () => {
    const { split, spool } = shared(2, counted(100, 10), 30);
    spool.seat(0)!.chose('sftp');
    spool.seat(1)!.chose('sftp');
    const got = await Promise.all(split.branches.slice(0, 2).map(bytesOf));
    expect(got.map((b) => b.length)).toEqual([1000, 1000]);
    await spool.dispose();
  });

  it('a target that fails before choosing counts as not needing it', async () => {
    const { split, spool } = shared(2, counted(100, 10), 30);
    spool.seat(0)!.chose('sftp');
    split.close(1); // as putMany does for a target that ended
    spool.seat(1)!.done();
    expect((await bytesOf(split.branches[0]!)).length).toBe(1000);
    await spool.dispose();
  });

  it('a taker stopped by its signal lets go; the spool goes on for the other', async () => {
    let read = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    async function* slow(): AsyncGenerator<Uint8Array> {
      yield* counted(5, 10, (i) => (read = i + 1));
      await gate;
      yield* counted(5, 10);
    }
    const { spool } = shared(2, slow());
    const [a, b] = [spool.seat(0)!, spool.seat(1)!];
    a.chose('scp');
    b.chose('scp');
    const stop = new AbortController();
    const taken = a.take({ signal: stop.signal });
    const other = b.take({});
    await waitFor(() => read === 5, 'the first chunks spooled');
    stop.abort();
    expect((await rejection(taken)).code).toBe('ERR_ABORTED');
    a.done();
    release();
    expect((await other).size).toBe(100n);
    b.done();
    await spool.dispose();
  });

  it('once no target needs it, a spool still being fed is stopped and its source let go', async () => {
    let returned = false;
    const source: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]: () => ({
        next: () => new Promise<IteratorResult<Uint8Array>>(() => undefined), // never ends
        return: async () => ((returned = true), { done: true, value: undefined }),
      }),
    };
    const { spool } = shared(1, source);
    const seat = spool.seat(0)!;
    seat.chose('scp');
    const stop = new AbortController();
    const taken = seat.take({ signal: stop.signal });
    stop.abort();
    await rejection(taken);
    seat.done();
    await spool.dispose();
    expect(returned).toBe(true);
  });
});
