// SFTP v3 ATTRS: decoded from requests (open, setstat, mkdir), encoded from
// fs.Stats for replies, and the `ls -l` line sftp-server puts in readdir's
// longname (OpenSSH's `sftp` prints it for `ls -l`). Pure.
import type { BigIntStats, Stats } from 'node:fs';
import { ATTR, BadPacket, type PacketReader, type PacketWriter } from './wire';
import { SET_ID_BITS } from '../../fs/modes';

/**
 * The mode bits a client may set: not setuid or setgid. sftp-server runs as
 * the user it serves; serve runs as one user for every client, maybe root.
 */
export const CLIENT_MODE_BITS = 0o7777 & ~SET_ID_BITS;

/** The attributes a request carries; absent fields were not sent. */
export interface Attrs {
  size?: bigint;
  uid?: number;
  gid?: number;
  /** st_mode bits as sent (type bits included when the client sent them). */
  mode?: number;
  atime?: number;
  mtime?: number;
}

/** Reads ATTRS; extended pairs are skipped (sftp-server ignores them too). */
export function readAttrs(r: PacketReader): Attrs {
  const flags = r.u32();
  const a: Attrs = {};
  if (flags & ATTR.SIZE) a.size = r.u64();
  if (flags & ATTR.UIDGID) {
    a.uid = r.u32();
    a.gid = r.u32();
  }
  if (flags & ATTR.PERMISSIONS) a.mode = r.u32();
  if (flags & ATTR.ACMODTIME) {
    a.atime = r.u32();
    a.mtime = r.u32();
  }
  if (flags & ATTR.EXTENDED) {
    const count = r.u32();
    if (count > 1024) throw new BadPacket('too many extended attributes');
    for (let i = 0; i < count; i++) {
      r.bytes();
      r.bytes();
    }
  }
  return a;
}

/**
 * Whether `a` asks no change of `st` but its times (and owner, which
 * applyAttrs refuses to change). Set-id bits are no client's to give or take
 * (CLIENT_MODE_BITS): a setgid directory sent its mode without them asks none.
 */
export function onlyTimes(a: Attrs, st: { mode: number }): boolean {
  return a.size === undefined && (a.mode === undefined || (a.mode & CLIENT_MODE_BITS) === (st.mode & CLIENT_MODE_BITS));
}

/** The stat fields ATTRS carries. */
export type StatLike = Pick<Stats, 'size' | 'uid' | 'gid' | 'mode' | 'atimeMs' | 'mtimeMs'> | BigIntStats;

/** Writes ATTRS with size, owner, mode and times, as sftp-server's stat_to_attrib does. */
export function writeAttrs(w: PacketWriter, st: StatLike): PacketWriter {
  w.u32(ATTR.SIZE | ATTR.UIDGID | ATTR.PERMISSIONS | ATTR.ACMODTIME);
  w.u64(BigInt(st.size));
  w.u32(Number(st.uid));
  w.u32(Number(st.gid));
  w.u32(Number(st.mode));
  w.u32(seconds(st.atimeMs));
  return w.u32(seconds(st.mtimeMs));
}

/** Writes ATTRS with no fields (realpath's and readlink's names carry none). */
export function writeNoAttrs(w: PacketWriter): PacketWriter {
  return w.u32(0);
}

// uint32 seconds: times before 1970 or after 2106 are clamped, not wrapped.
function seconds(ms: number | bigint): number {
  const s = Math.floor(Number(ms) / 1000);
  return Math.min(Math.max(s, 0), 0xffffffff);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const SIX_MONTHS_MS = 182 * 24 * 3600 * 1000;

/**
 * `ls -l`'s line for one entry, laid out as OpenSSH's ls_file() does (numeric
 * owner and group: the server has no business naming host accounts).
 */
export function longName(name: string, st: Stats, now = Date.now()): string {
  const d = new Date(st.mtimeMs);
  const recent = Math.abs(now - st.mtimeMs) < SIX_MONTHS_MS;
  const when = `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2)} ${
    recent ? `${pad2(d.getHours())}:${pad2(d.getMinutes())}` : ` ${d.getFullYear()}`
  }`;
  return `${modeString(st.mode)} ${String(st.nlink).padStart(4)} ${String(st.uid).padEnd(8)} ${String(st.gid).padEnd(8)} ${String(st.size).padStart(8)} ${when} ${name}`;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** `drwxr-xr-x` for a st_mode, with s/S/t/T for the special bits. */
function modeString(mode: number): string {
  const type = TYPE_CHARS[(mode >> 12) & 0xf] ?? '?';
  const bit = (mask: number, ch: string): string => (mode & mask ? ch : '-');
  const special = (exec: number, flag: number, on: string, off: string, plain: string): string =>
    mode & flag ? (mode & exec ? on : off) : bit(exec, plain);
  return (
    type +
    bit(0o400, 'r') + bit(0o200, 'w') + special(0o100, 0o4000, 's', 'S', 'x') +
    bit(0o040, 'r') + bit(0o020, 'w') + special(0o010, 0o2000, 's', 'S', 'x') +
    bit(0o004, 'r') + bit(0o002, 'w') + special(0o001, 0o1000, 't', 'T', 'x')
  );
}

const TYPE_CHARS: Record<number, string> = { 1: 'p', 2: 'c', 4: 'd', 6: 'b', 8: '-', 10: 'l', 12: 's' };
