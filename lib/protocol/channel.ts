// The abstract channel the SCP roles run over: bytes in, bytes out, stderr,
// and the remote command's exit. An ssh2 exec channel, the system ssh binary
// and a local `scp -t` child process over pipes all fit this shape, which is
// what lets the same role code be tested against every kind of peer.
import type { Readable, Writable } from 'node:stream';

/** How the remote command ended. `code` is null when it died by a signal. */
export interface ExitStatus {
  code: number | null;
  signal: string | null;
}

/** Where a role tells of its waits for the remote (--stall-timeout): `wait(what)` returns the call for when the answer came. */
export interface StallWaits {
  wait(what: string): () => void;
}

/** A running remote command that speaks SCP on its stdin/stdout. */
export interface ScpChannel {
  /** Bytes from the remote command (its stdout). */
  readonly stdout: Readable;
  /** Bytes to the remote command (its stdin); `end()` sends EOF. */
  readonly stdin: Writable;
  /** The remote command's stderr; diagnostics only (docs/protocol.md §1). */
  readonly stderr: Readable;
  /**
   * Settles when the command has ended and the channel is closed. Resolves
   * with the exit status; resolves with `{code: null, signal: null}` when the
   * channel closed without reporting one (a dropped connection).
   */
  readonly exit: Promise<ExitStatus>;
  /** Tears the channel down at once (abort, fatal error). Idempotent. */
  destroy(): void;
  /**
   * Why the connection under the channel went away, when the transport
   * knows better than "closed" (a keepalive timeout); else undefined.
   */
  whyLost?(): string | undefined;
  /** Told of each wait for the remote's answer, where a stall timeout watches the channel. */
  stall?: StallWaits;
  /** How long the command may take to send its first byte, where its connection was given a bound (ConnectOptions.startTimeoutMs). */
  startTimeoutMs?: number;
}
