// The types of a parts upload (put-parts.ts): each part's report, the
// progress, and the result.
import type { Manifest } from './manifest';

/** One confirmed part, for -v and the result. */
export interface PartReport {
  index: number;
  name: string;
  size: bigint;
  sha256: string;
  /** The lane (channel) it went over, from 0. */
  lane: number;
  /** Duration of the attempt that succeeded. */
  ms: number;
  attempts: number;
  spooled: 'memory' | 'disk';
}

/** Where a parts upload stands. */
export interface PartsProgress {
  produced: bigint;
  confirmed: bigint;
  /** Parts spooled whole and not yet confirmed: those sending, and those waiting for a channel. */
  inFlight: number;
  /** Of those, the parts being sent (each holding one of the `parallel` channels). */
  sending: number;
  partsConfirmed: number;
}

/** What a parts upload did. */
export interface PartsResult {
  /** The remote directory prefix and the set's name. */
  dir: string;
  name: string;
  bytes: bigint;
  sha256: string;
  /** Each part's report, made when first read (a set may have millions: `count`, `resends` and `onDisk` need no list). */
  parts: PartReport[];
  /** Parts in the set. */
  count: number;
  /** Sends of a part past its first (after a lost connection). */
  resends: number;
  /** A part went through a spool file (past the memory limit). */
  onDisk: boolean;
  manifest: Manifest;
  manifestName: string;
  /** Lanes left at the end (fewer than asked when channels were refused). */
  lanes: number;
  /** The protocol the parts went over. */
  protocol: 'scp' | 'sftp';
  /** A plain file of the set's name is there too: `get NAME` returns it, and `get` with `parts: true` the set. */
  shadowed: boolean;
  /**
   * The part name just past this set's last (`NAME.000003` after 3 parts)
   * when a file of that name is there: left by an earlier, longer set of
   * this name and not empty. Not in the manifest, so `get` ignores it, but
   * it takes space and `cat NAME.[0-9]*` would add it.
   */
  staleAfter?: string;
}
