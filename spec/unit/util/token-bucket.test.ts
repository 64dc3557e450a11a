import { PassThrough } from 'node:stream';
import { TokenBucket, bandwidthLimit, type BucketClock } from '../../../lib/util/token-bucket';
import { throttle } from '../../../lib/transport/throttle';
import { thrown } from '../../helpers/async';

// A clock that moves only when the test says, firing due timers in order.
function fakeClock(): BucketClock & { advance(ms: number): Promise<void>; timers: number } {
  let now = 0;
  let timers: { at: number; fn: () => void }[] = [];
  return {
    now: () => now,
    setTimeout: (fn, ms) => { const t = { at: now + ms, fn }; timers.push(t); return t; },
    clearTimeout: (h) => { timers = timers.filter((t) => t !== h); },
    get timers() { return timers.length; },
    async advance(ms) {
      const end = now + ms;
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const next = timers[0];
        if (!next || next.at > end) break;
        timers.shift();
        now = next.at;
        next.fn();
        await Promise.resolve();
      }
      now = end;
      await Promise.resolve();
    },
  };
}

describe('TokenBucket', () => {
  it('passes a burst at once, then exactly at its rate, first come first served', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(1000, 100, clock); // 1000 B/s, 100 B at once
    const done: string[] = [];
    await bucket.take(100); // the initial burst
    const a = bucket.take(100).then(() => done.push('a'));
    const b = bucket.take(50).then(() => done.push('b'));
    await clock.advance(99);
    expect(done).toEqual([]);
    await clock.advance(1);
    await a;
    expect(done).toEqual(['a']);
    await clock.advance(49);
    expect(done).toEqual(['a']);
    await clock.advance(1);
    await b;
    expect(done).toEqual(['a', 'b']);
    expect(clock.timers).toBe(0); // one timer at a time, none left behind
  });

  it('clamps a request larger than the burst, and an abort leaves the queue', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(1000, 100, clock);
    await bucket.take(10_000); // counts as 100
    const ac = new AbortController();
    const aborted = bucket.take(100, ac.signal);
    const next = bucket.take(100);
    ac.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    await clock.advance(100);
    await expect(next).resolves.toBeUndefined();
  });

  it('converts -l Kbit/s as scp does (1 Kbit = 1000 bits)', () => {
    expect(bandwidthLimit(8000).send.rate).toBe(1_000_000);
  });

  it('refuses a limit of no bandwidth, or none that is a number, as ERR_USAGE', () => {
    for (const bad of [0, -8, Number.NaN, Number.POSITIVE_INFINITY, '8000' as unknown as number]) {
      expect(thrown(() => bandwidthLimit(bad))).toMatchObject({ code: 'ERR_USAGE', message: `bandwidthLimit: bad limit ${String(bad)}: give Kbit/s, a finite number above 0 (8000 = 1 MB/s)` });
    }
    expect(bandwidthLimit(0.5).send.rate).toBe(62.5);
  });
});

describe('throttle', () => {
  it('limits both directions of a stream to the rate, and keeps the bytes in order', async () => {
    const wire = new PassThrough(); // what the throttled side writes comes back to it
    const limited = throttle(wire, bandwidthLimit(1600)); // 200 000 B/s each way, 10 000 B bursts
    const data = Buffer.alloc(100_000);
    for (let i = 0; i < data.length; i++) data[i] = i % 251;
    const started = performance.now();
    const received: Buffer[] = [];
    limited.on('data', (c: Buffer) => received.push(c));
    const ended = new Promise((r) => limited.once('end', r));
    limited.end(data);
    await ended;
    const seconds = (performance.now() - started) / 1000;
    expect(Buffer.concat(received).equals(data)).toBe(true);
    // 100 000 B at 200 000 B/s less the first burst: 0.45 s; both directions overlap.
    expect(seconds).toBeGreaterThan(0.4);
    expect(seconds).toBeLessThan(1.5);
  });
});
