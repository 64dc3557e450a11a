// A TCP relay to 127.0.0.1:targetPort that, once stall() is called, stops
// the connections it carries (nothing passes either way: a dead link) and
// lets each new one through its key exchange only: the server's bytes after
// its SSH_MSG_NEWKEYS are dropped, so the login is never answered (a server
// whose PAM or LDAP hangs). Before NEWKEYS the packets are in clear text.
import type { Socket } from 'node:net';
import { startTcpRelay } from './tcp-relay';

export interface LoginStallProxy {
  port: number;
  /** From now on: the connections made so far pass nothing, new ones stop after the key exchange. */
  stall(): void;
  /** Connections whose server stopped after its NEWKEYS. */
  stalledLogins(): number;
  close(): Promise<void>;
}

const NEWKEYS = 21;

// Passes `from` to `to` up to and with the server's NEWKEYS packet, then nothing.
function untilNewKeys(from: Socket, to: Socket, done: () => void): void {
  let seen = Buffer.alloc(0);
  let versionDone = false;
  let passing = true;
  from.on('data', (d: Buffer) => {
    if (!passing) return;
    seen = Buffer.concat([seen, d]);
    let at = 0;
    if (!versionDone) {
      const eol = seen.indexOf('\n');
      if (eol < 0) return;
      versionDone = true;
      at = eol + 1;
    }
    while (seen.length - at >= 6) {
      const size = 4 + seen.readUInt32BE(at);
      if (seen.length - at < size) break;
      const type = seen[at + 5];
      at += size;
      if (type === NEWKEYS) {
        to.write(seen.subarray(0, at));
        passing = false;
        done();
        return;
      }
    }
    to.write(seen.subarray(0, at));
    seen = seen.subarray(at);
  });
}

export async function startLoginStallProxy(targetPort: number): Promise<LoginStallProxy> {
  let stalled = false;
  let stalledLogins = 0;
  const live: { client: Socket; upstream: Socket }[] = [];
  const relay = await startTcpRelay(targetPort, (client, upstream) => {
    client.pipe(upstream);
    if (stalled) untilNewKeys(upstream, client, () => stalledLogins++);
    else {
      upstream.pipe(client);
      live.push({ client, upstream });
    }
  });
  return {
    port: relay.port,
    stall: () => {
      stalled = true;
      for (const { client, upstream } of live) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    stalledLogins: () => stalledLogins,
    close: () => relay.close(),
  };
}
