// A link that drops every connection after so many bytes: a relay to
// 127.0.0.1:targetPort that passes each connection's bytes (both ways)
// until `cutAfter` have gone through, then closes both sides.
import type { Socket } from 'node:net';
import { startTcpRelay, type TcpRelay } from './tcp-relay';

export interface CuttingRelay extends TcpRelay {
  /** Connections made through it so far. */
  connections(): number;
}

/** Starts the relay; each connection is cut once `cutAfter` bytes passed it. */
export async function startCuttingRelay(targetPort: number, cutAfter: number): Promise<CuttingRelay> {
  let count = 0;
  const relay = await startTcpRelay(targetPort, (client, upstream) => {
    count++;
    let passed = 0;
    const pass = (from: Socket, to: Socket): void => {
      from.on('data', (d: Buffer) => {
        if (passed >= cutAfter) return;
        const room = cutAfter - passed;
        passed += d.length;
        to.write(d.length > room ? d.subarray(0, room) : d);
        if (passed >= cutAfter) (client.destroy(), upstream.destroy());
      });
    };
    pass(client, upstream);
    pass(upstream, client);
  });
  return { ...relay, connections: () => count };
}
