// Bandwidth limit (-l) on the connection itself: every byte ssh2 writes
// passes the send bucket before it reaches the socket, every byte read from
// the socket passes the receive bucket before ssh2 sees it. Below all
// channels, so one limit covers every channel and part of a run (buckets are
// shared by connections too). Backpressure holds both ways: a write is
// acknowledged only once it went out (ssh2 then keeps within the SSH window),
// and the socket is paused while the receive bucket is empty, so TCP slows
// the sender down.
import { Duplex } from 'node:stream';
import type { BandwidthLimit, TokenBucket } from '../util/token-bucket';

// Bytes are asked for in quarters of the bucket: a timer that fires late
// then finds the lateness still in the bucket (it refills up to the whole
// burst), instead of losing it to the cap, so the average rate stays exact.
const slice = (bucket: TokenBucket): number => Math.max(1, Math.floor(bucket.burst / 4));

/** `inner` with its traffic limited by `limit`. */
export function throttle(inner: Duplex, limit: BandwidthLimit): Duplex {
  let wantMore = true;
  let reading = false;
  let ended = false;
  const pending: Buffer[] = [];

  const outer = new Duplex({
    write(chunk: Buffer, _encoding, callback) {
      sendSliced(chunk, limit.send, inner).then(() => callback(), callback);
    },
    final(callback) {
      inner.end(callback);
    },
    read() {
      wantMore = true;
      void pump();
    },
    destroy(err, callback) {
      inner.destroy();
      callback(err);
    },
  });

  // Moves received bytes through the bucket, one chunk at a time, in order.
  async function pump(): Promise<void> {
    if (reading) return;
    reading = true;
    try {
      while (wantMore && pending.length > 0) {
        const chunk = pending.shift()!;
        const step = slice(limit.receive);
        for (let off = 0; off < chunk.length; off += step) await limit.receive.take(Math.min(step, chunk.length - off));
        wantMore = outer.push(chunk);
      }
      if (pending.length === 0) {
        if (ended) outer.push(null);
        else inner.resume();
      }
    } finally {
      reading = false;
    }
  }

  inner.on('data', (chunk: Buffer) => {
    pending.push(chunk);
    inner.pause();
    void pump();
  });
  inner.once('end', () => {
    ended = true;
    void pump();
  });
  inner.once('error', (err) => outer.destroy(err));
  inner.once('close', () => {
    if (!outer.destroyed && pending.length === 0) outer.destroy();
  });
  return outer;
}

async function sendSliced(chunk: Buffer, bucket: TokenBucket, inner: Duplex): Promise<void> {
  const step = slice(bucket);
  for (let off = 0; off < chunk.length; off += step) {
    const part = chunk.subarray(off, off + step);
    await bucket.take(part.length);
    if (!inner.write(part)) await new Promise<void>((resolve, reject) => {
      const done = (err?: Error): void => {
        inner.off('drain', done);
        inner.off('close', done);
        if (err) reject(err);
        else resolve();
      };
      inner.once('drain', done);
      inner.once('close', done);
    });
  }
}
