// The times a file is sent with under -p: T record values are whole seconds,
// as OpenSSH's do_times() sends them. A time the protocol cannot carry is sent
// as the nearest one it can, and said (exit 1, as GNU cp -p), not wrapped or
// clamped in silence.
import type { BigIntStats } from 'node:fs';
import type { Times } from '../protocol/records';

/** The times a protocol carries: from 1970 to `latest` (seconds), `said` in a message. */
export interface TimeRange {
  latest?: bigint;
  said: string;
}

const SCP_TIMES: TimeRange = { said: 'scp carries no time before 1970' };

/** The times to send for `st` within `range` (default SCP's), and what could not be kept, said. */
export function timesToSend(st: Pick<BigIntStats, 'mtimeNs' | 'atimeNs'>, range: TimeRange = SCP_TIMES): { times: Times; lost?: string } {
  // Floored, as st_mtim.tv_sec is: BigInt division rounds a time before 1970 up.
  const seconds = (ns: bigint): bigint => (ns < 0n && ns % 1_000_000_000n !== 0n ? ns / 1_000_000_000n - 1n : ns / 1_000_000_000n);
  const fit = (t: bigint): bigint => (t < 0n ? 0n : range.latest !== undefined && t > range.latest ? range.latest : t);
  const was = { mtime: seconds(st.mtimeNs), atime: seconds(st.atimeNs) };
  const times = { mtime: fit(was.mtime), atime: fit(was.atime) };
  if (times.mtime === was.mtime && times.atime === was.atime) return { times };
  const [which, before, after] = times.mtime !== was.mtime ? ['modification', was.mtime, times.mtime] : ['access', was.atime, times.atime];
  return { times, lost: `its ${which} time ${isoTime(before)} cannot be kept (${range.said}): stored with ${isoTime(after)}` };
}

// 1960-01-01T00:00:00Z: whole seconds, as a time is sent.
function isoTime(s: bigint): string {
  return new Date(Number(s) * 1000).toISOString().replace('.000Z', 'Z');
}
