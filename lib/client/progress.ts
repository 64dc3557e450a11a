// The one progress event of every transfer (put, get, upload, download), so
// that a program shows them all with one renderer (the CLI's cli/progress.ts).

/**
 * Progress of one file. Each file's transfer starts with `bytes` 0n; a put
 * of unknown size reports its spooling first (`total` still unknown).
 */
export interface Progress {
  /** The file, as a user knows it: the name announced to or by the remote, or the local path sent. Unescaped. */
  name: string;
  /** `spool`: put measuring its input; `transfer`: the file's bytes on the wire, either direction; `verify`: put --verify reading the stored file back. */
  phase: 'spool' | 'transfer' | 'verify';
  /** Bytes spooled or transferred so far. */
  bytes: bigint;
  /** The file's size; undefined while spooling, and for a parts upload. */
  total?: bigint;
  /**
   * A parts upload (put's `partSize`): `bytes` are those confirmed; `produced`, taken from the input;
   * `inFlight`, parts spooled whole and not yet confirmed, of which `sending` are on the wire (the rest wait for a channel).
   */
  parts?: { produced: bigint; inFlight: number; sending?: number };
  /** A parts set's get: the bytes of its parts received so far; `bytes`, those written out, follow a part or more behind, as each part goes out only once checked. */
  fetched?: bigint;
  /** Every byte is handed over, and the remote has not confirmed them yet (SCP's last \0): an update without it follows once it has. */
  awaiting?: true;
}
