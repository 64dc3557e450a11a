// A probe of the connection for --stall-timeout (util/stall-reach.ts): the
// keepalive ssh2 itself sends (keepalive@openssh.com, want-reply), its answer
// taken in turn from the queue ssh2 keeps for global requests' answers, as ssh2
// does for its own keepalives (lib/client.js, ssh2 1.x). Not public API:
// checked before use, and no probe is sent where it is not there.
import type { Client } from 'ssh2';

interface ProbeInternals {
  _callbacks?: unknown;
  _protocol?: { ping?: unknown };
  _sock?: { writable?: boolean };
}

/** Sends a probe on `client`'s connection, `answered` called on its answer (success or failure alike); false where it cannot. */
export function probeConnection(client: Client, answered: () => void): boolean {
  const internals = client as unknown as ProbeInternals;
  const callbacks = internals._callbacks;
  const protocol = internals._protocol;
  if (!Array.isArray(callbacks) || typeof protocol?.ping !== 'function') return false;
  if (internals._sock?.writable === false) return true; // the connection is ending: no answer will come, nor is one needed
  // ssh2 calls the queue with an Error when the connection closes: no answer, then.
  callbacks.push((err: unknown) => {
    if (!(err instanceof Error)) answered();
  });
  (protocol.ping as () => void).call(protocol);
  return true;
}
