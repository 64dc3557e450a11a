// A TCP relay to 127.0.0.1:targetPort that passes at most `bytesPerSecond`
// each way, holding little itself (a slow link: the backlog stays in the
// senders' buffers, in order, as on a real uplink).
import type { Socket } from 'node:net';
import { startTcpRelay } from './tcp-relay';

export interface ThrottleProxy { port: number; close(): Promise<void> }

const TICK_MS = 50;
const HELD = 64 * 1024;

function throttle(from: Socket, to: Socket, bytesPerSecond: number): () => void {
  const queue: Buffer[] = [];
  let queued = 0;
  let ended = false;
  from.on('data', (d: Buffer) => {
    queue.push(d);
    queued += d.length;
    if (queued > HELD) from.pause();
  });
  from.on('end', () => (ended = true));
  const timer = setInterval(() => {
    let budget = Math.ceil((bytesPerSecond * TICK_MS) / 1000);
    while (queue.length && budget > 0) {
      const head = queue[0];
      const piece = head.subarray(0, budget);
      if (piece.length === head.length) queue.shift();
      else queue[0] = head.subarray(budget);
      budget -= piece.length;
      queued -= piece.length;
      to.write(piece);
    }
    if (queued <= HELD) from.resume();
    if (ended && !queue.length) {
      clearInterval(timer);
      to.end();
    }
  }, TICK_MS);
  return () => clearInterval(timer);
}

/** `stallAfterFirst`: connections after the first pass nothing (the link went down for new ones). */
export async function startThrottleProxy(targetPort: number, bytesPerSecond: number, opts: { stallAfterFirst?: boolean } = {}): Promise<ThrottleProxy> {
  const stops: (() => void)[] = [];
  let connections = 0;
  const relay = await startTcpRelay(targetPort, (client, upstream) => {
    if (opts.stallAfterFirst && connections++ > 0) return;
    stops.push(throttle(client, upstream, bytesPerSecond), throttle(upstream, client, bytesPerSecond));
  });
  return {
    port: relay.port,
    close: async () => {
      stops.forEach((stop) => stop());
      await relay.close();
    },
  };
}
