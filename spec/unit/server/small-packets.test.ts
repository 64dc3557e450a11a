// joinSmallPackets on a stand-in for ssh2's channel (a Readable fed by push):
// the bytes come out whole and in order at every mix of packet sizes, and a
// block handed on with a few bytes in it does not keep the whole block alive.
import { Readable } from 'node:stream';
import type { ServerChannel } from 'ssh2';
import { joinSmallPackets } from '../../../lib/server/small-packets';

function channel(): Readable {
  const r = new Readable({ read: () => undefined, highWaterMark: 8 * 1024 * 1024 });
  joinSmallPackets(r as unknown as ServerChannel);
  return r;
}

// Pushes `sizes` while paused, then reads everything back.
async function throughPaused(sizes: readonly number[]): Promise<{ sent: Buffer; got: Buffer[] }> {
  const ch = channel();
  ch.pause();
  const sent: Buffer[] = [];
  let n = 0;
  for (const size of sizes) {
    const b = Buffer.allocUnsafeSlow(size);
    for (let i = 0; i < size; i++) b[i] = n++ & 255;
    sent.push(b);
    ch.push(b);
  }
  ch.push(null);
  const got: Buffer[] = [];
  ch.on('data', (c: Buffer) => got.push(c));
  ch.resume();
  await new Promise((resolve) => ch.on('end', resolve));
  return { sent: Buffer.concat(sent), got };
}

test('small and large packets pushed while paused come out byte for byte, at every split', async () => {
  for (const sizes of [[1, 4095, 4096, 1, 70000], [3, 3, 3], Array.from({ length: 40000 }, (_, i) => (i % 7) + 1), [65536, 2, 61439, 1, 4096]]) {
    const { sent, got } = await throughPaused(sizes);
    expect(Buffer.concat(got).equals(sent)).toBe(true);
  }
});

test('a few small bytes handed on between large packets hold about their size, not a 64 KiB block each', async () => {
  const sizes = Array.from({ length: 400 }, (_, i) => (i % 2 === 0 ? 10 : 4096));
  const { got } = await throughPaused(sizes);
  const held = got.reduce((sum, c) => sum + c.buffer.byteLength, 0);
  const bytes = got.reduce((sum, c) => sum + c.length, 0);
  expect(held).toBeLessThan(2 * bytes);
});
