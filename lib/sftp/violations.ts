// What ssh2's SFTP client lets pass that a hostile server can use: a reply
// to a request id that was never sent (or already answered) is dropped in
// silence, so a server answering only with made-up ids would hang every
// request; and its own protocol errors (a packet over 256 KiB, a malformed
// NAME) surface as plain Errors. (A read answered with more bytes than asked
// is seen by read-uncopied.ts, where ssh2 would cut it.) Both become
// one report here, so the session can fail every pending request with a
// typed ERR_PROTOCOL and end. (ssh2 internals: `_requests`, keyed by id,
// read once by the reply's handler; `level: 'sftp-protocol'` on its errors.)
import type { SFTPWrapper } from 'ssh2';
import { takeEarlyError } from './early-errors';

/** Calls `onViolation(why)` when the server breaks the protocol in a way ssh2 would drop or hide. */
export function watchViolations(raw: SFTPWrapper, onViolation: (why: string) => void): void {
  const internals = raw as unknown as { _requests?: Record<string, unknown> };
  if (internals._requests && typeof internals._requests === 'object') {
    internals._requests = new Proxy(internals._requests, {
      get(target, key, receiver) {
        // Only a reply's handler reads an entry by id; reading a missing one is a reply to nothing.
        if (typeof key === 'string' && /^\d+$/.test(key) && !(key in target)) {
          onViolation(`a reply to request ${key}, which is not outstanding`);
        }
        return Reflect.get(target, key, receiver);
      },
    });
  }
  const seen = (err: Error & { level?: string }): void => {
    if (err.level === 'sftp-protocol') onViolation(err.message);
  };
  raw.on('error', seen);
  const early = takeEarlyError(raw); // one before this listener came
  if (early) seen(early);
}

