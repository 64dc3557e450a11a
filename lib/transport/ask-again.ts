// Dropbear before 2024.86 closes a session channel whose command has not
// started yet whenever another command on the connection exits (its bug
// #321, fixed by commit 71521d1b): the exec or subsystem request then fails,
// to ssh2, just as a refusal does. On a connection that is still up, asking
// again on a fresh channel gets the command run; a server that means its
// refusal refuses again, at the cost of a round trip each.
import type { Client } from 'ssh2';

/** Requests asked again after one that failed with no reason on a live connection. */
export const ASK_AGAIN = 3;

/** Whether `client` is still up while its requests go out (ssh2 emits 'close' before it fails their channels). */
export function watchConnection(client: Client): { up(): boolean; stop(): void } {
  let up = true;
  let watching = true;
  const gone = (): void => {
    up = false;
  };
  // One listener per request in flight, and --parallel allows 64: each
  // raises the limit, or Node warns of a leak ("11 close listeners added").
  raiseMaxListeners(client, 1);
  client.once('close', gone);
  return {
    up: () => up,
    stop: () => {
      if (!watching) return;
      watching = false;
      client.off('close', gone);
      raiseMaxListeners(client, -1);
    },
  };
}

function raiseMaxListeners(client: Client, by: number): void {
  const max = client.getMaxListeners();
  if (max !== 0) client.setMaxListeners(max + by); // 0: unlimited already
}
