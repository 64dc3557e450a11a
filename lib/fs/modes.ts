// The mode and time arithmetic of OpenSSH's sink (docs/protocol.md §4.3), as pure
// functions so the rules can be tested without touching a disk.
import type { ReceivedTimes } from '../protocol/sink-types';

/** setuid, setgid and sticky: cleared without -p since OpenSSH 10.3 (CVE-2026-35385). */
export const SPECIAL_BITS = 0o7000;
/** setuid and setgid: never set by a client of `scpipe serve`, whose files are all the server's user's. */
export const SET_ID_BITS = 0o6000;
/** Every permission bit a chmod can set. */
export const ALL_MODE_BITS = 0o7777;

/**
 * The mode a received file or directory ends with when we create it: with
 * -p the exact mode (setuid survives, §4.3 "C4755 -p → 04755"); without,
 * the umask and the special bits are removed.
 */
export function receivedMode(mode: number, preserve: boolean, umask: number): number {
  return preserve ? mode & ALL_MODE_BITS : mode & ALL_MODE_BITS & ~umask & ~SPECIAL_BITS;
}

/**
 * The mode an existing regular file ends with when it is replaced. Without
 * -p it keeps its permissions (§4.3 "0600 stays 0600"), minus setuid/setgid:
 * OpenSSH rewrites the file in place and the kernel drops those bits on a
 * write by an unprivileged user; new content must not inherit them silently.
 */
export function replacedMode(incoming: number, existing: number, preserve: boolean): number {
  return preserve ? incoming & ALL_MODE_BITS : existing & ALL_MODE_BITS & ~SPECIAL_BITS;
}

/**
 * mkdir() mode for a new directory: owner rwx added so a read-only tree
 * (`D0555`) can still be filled; the real mode is set after its E (§4.3).
 */
export function mkdirMode(finalMode: number): number {
  return (finalMode & 0o777) | 0o700;
}

/** Largest seconds value we hand to utimes(): beyond it a double loses the microseconds anyway. */
const MAX_SECONDS = 2n ** 40n;

/**
 * Seconds as the fractional number that fs.utimes()/futimes() take. libuv
 * truncates to whole microseconds, and a double near 1.7e9 is only exact to
 * ~2e-7 s, so we aim at the middle of the microsecond to land on it. Returns
 * undefined for values we cannot represent (OpenSSH silently skips seconds
 * above INT64_MAX, §2 T record).
 */
export function utimeSeconds(seconds: bigint, usec: number): number | undefined {
  if (seconds < 0n || seconds > MAX_SECONDS) return undefined;
  return Number(seconds) + (usec + 0.5) / 1e6;
}

/** The [atime, mtime] pair for utimes(), or undefined when the times cannot be set. */
export function utimesArgs(times: ReceivedTimes): [number, number] | undefined {
  const atime = utimeSeconds(times.atime, times.atimeUsec);
  const mtime = utimeSeconds(times.mtime, times.mtimeUsec);
  return atime === undefined || mtime === undefined ? undefined : [atime, mtime];
}
