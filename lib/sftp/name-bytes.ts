// The bytes of the names in SFTP NAME replies (READDIR, REALPATH, READLINK).
// ssh2's client decodes them as UTF-8, so a Latin-1 name would arrive as
// U+FFFD, another name (and two such names as one). ssh2 frames the
// channel's data in push(); a wrapper around the session's push() frames
// the same bytes alongside, before ssh2 does, and keeps the names of the
// NAME replies that were asked for, so their callbacks read the bytes.
// Framing the same bytes, it also has ssh2 join a DATA reply to a read given
// a pool into a buffer lent from it (reply-pool.ts): ssh2 allocates one only
// where its `_pkt` is unset, so the chunk is handed over in two, the cut
// after the reply's length, and `_pkt` set in between. Each reply's type
// and id are told to `onReply` (reply-types.ts) before ssh2 reads it.
import { fromBytes } from '../util/byte-text';
import type { ReplyPool } from './reply-pool';

const SSH_FXP_NAME = 104;
const SSH_FXP_DATA = 103;
const HEAD = 9; // uint32 length, byte type, uint32 request id
const EMPTY = Buffer.alloc(0);
const MAX_KEPT = 256 * 1024; // ssh2's own bound on a packet (OPENSSH_MAX_PKT_LEN)

/** See the file comment. */
export class NameTap {
  private readonly wanted = new Map<number, Buffer[] | undefined>();
  private head: Buffer = EMPTY;
  private left = 0; // bytes of the current packet after its head
  private kept: { reqid: number; parts: Buffer[] } | undefined;
  private broken = false; // framing lost (a packet ssh2 itself refuses): names stay as decoded
  private readonly pooled = new Map<number, ReplyPool>();
  private cut: Cut | undefined; // of the chunk being fed
  /** Told the type and request id of each reply as its head arrives, before ssh2 reads it. */
  onReply: ((type: number, reqid: number) => void) | undefined;
  /** Told the request id of a NAME reply kept for take() whose entries do not fit in it, before ssh2 reads it. */
  onMalformed: ((reqid: number) => void) | undefined;

  /** Has ssh2 join the DATA reply to `reqid` into a buffer from `pool`, where it spans chunks. */
  pool(reqid: number, pool: ReplyPool): void {
    this.pooled.set(reqid, pool);
  }

  /** Keeps the names of the NAME reply to `reqid`, for take(). */
  expect(reqid: number): void {
    this.wanted.set(reqid, undefined);
  }

  /**
   * `names` (ssh2's entries of the reply to `reqid`) with each filename as
   * its bytes, where they match; those entries say so (`asBytes`): a U+FFFD
   * in them is the character itself, not bytes lost.
   */
  take<T extends { filename?: unknown }>(reqid: number, names: T[] | undefined): Array<T & { asBytes?: true }> | undefined {
    const raw = this.wanted.get(reqid);
    this.wanted.delete(reqid);
    if (!raw || !Array.isArray(names) || raw.length !== names.length) return names;
    if (!names.every((n, i) => n.filename === raw[i]!.toString('utf8'))) return names;
    return names.map((n, i) => ({ ...n, filename: fromBytes(raw[i]!), asBytes: true as const }));
  }

  /** Frames `data` as ssh2 will; returns where to cut it for a pooled reply that starts in it and ends after it. */
  feed(data: Buffer): Cut | undefined {
    this.cut = undefined;
    let p = 0;
    while (p < data.length && !this.broken) {
      // A head whole in this chunk, as most are: read where it lies, not copied.
      if (this.left === 0 && this.head.length === 0 && data.length - p >= HEAD && data.readUInt32BE(p) >= HEAD - 4) {
        this.head = data.subarray(p, (p += HEAD));
        const pool = this.started();
        // Only the last packet that starts in a chunk can end after it.
        if (pool && p + this.left > data.length) this.cut = { at: p - HEAD + 4, length: this.left + HEAD - 4, pool };
        if (this.left === 0) this.ended();
        continue;
      }
      if (this.left === 0 && this.head.length < 4) {
        const n = Math.min(4 - this.head.length, data.length - p);
        this.head = Buffer.concat([this.head, data.subarray(p, (p += n))]);
        if (this.head.length === 4 && this.head.readUInt32BE(0) === 0) this.broken = true; // ssh2 ends the session
        continue;
      }
      if (this.left === 0) {
        const want = 4 + Math.min(this.head.readUInt32BE(0), HEAD - 4);
        const n = Math.min(want - this.head.length, data.length - p);
        this.head = Buffer.concat([this.head, data.subarray(p, (p += n))]);
        if (this.head.length < want) continue;
        this.started();
        if (this.left === 0) this.ended();
        continue;
      }
      const n = Math.min(this.left, data.length - p);
      this.kept?.parts.push(Buffer.from(data.subarray(p, p + n)));
      this.left -= n;
      p += n;
      if (this.left === 0) this.ended();
    }
    return this.broken ? undefined : this.cut;
  }

  // The pool of a DATA reply to a pooled read (any reply ends the request).
  private started(): ReplyPool | undefined {
    const len = this.head.readUInt32BE(0);
    this.left = len - (this.head.length - 4);
    const reqid = this.head.length === HEAD ? this.head.readUInt32BE(5) : -1;
    if (reqid !== -1) this.onReply?.(this.head[4]!, reqid);
    this.kept = this.head[4] === SSH_FXP_NAME && len <= MAX_KEPT && this.wanted.has(reqid) ? { reqid, parts: [] } : undefined;
    const pool = this.pooled.get(reqid);
    this.pooled.delete(reqid);
    return this.head[4] === SSH_FXP_DATA && len <= MAX_KEPT ? pool : undefined;
  }

  private ended(): void {
    if (this.kept) {
      const found = names(Buffer.concat(this.kept.parts));
      this.wanted.set(this.kept.reqid, found);
      if (found === undefined) this.onMalformed?.(this.kept.reqid);
    }
    this.kept = undefined;
    this.head = EMPTY;
  }
}

/** Wraps the push() of ssh2's SFTP client `raw`; undefined where it has none (names stay as ssh2 decodes them). */
export function tapNames(raw: unknown): NameTap | undefined {
  const s = raw as { push?: (data: Buffer | null) => unknown };
  const inner = s?.push;
  if (typeof inner !== 'function') return undefined;
  const tap = new NameTap();
  s.push = function (this: unknown, data: Buffer | null) {
    const cut = data === null ? undefined : tap.feed(data);
    if (!cut) return inner.call(this, data);
    inner.call(this, data!.subarray(0, cut.at));
    lendInto(raw, cut);
    return inner.call(this, data!.subarray(cut.at));
  };
  return tap;
}

/** Where a chunk is cut: after the length of a reply of `length` bytes, to be joined into a buffer of `pool`. */
export interface Cut {
  at: number;
  length: number;
  pool: ReplyPool;
}

// ssh2 has just read the reply's length and holds nothing of it yet (else its state is not as known: left alone).
function lendInto(raw: unknown, cut: Cut): void {
  const s = raw as { _pktLenBytes?: unknown; _pktLen?: unknown; _pktPos?: unknown; _pkt?: unknown };
  if (s._pktLenBytes === 4 && s._pktLen === cut.length && s._pktPos === 0 && s._pkt === undefined) s._pkt = cut.pool.lend(cut.length);
}

// uint32 count, then count × (string filename, string longname, ATTRS): the filenames.
function names(body: Buffer): Buffer[] | undefined {
  let p = 0;
  const u32 = (): number | undefined => (p + 4 <= body.length ? body.readUInt32BE((p += 4) - 4) : undefined);
  const str = (): Buffer | undefined => {
    const n = u32();
    return n === undefined || p + n > body.length ? undefined : body.subarray(p, (p += n));
  };
  const count = u32();
  if (count === undefined || count > body.length) return undefined;
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const name = str();
    if (name === undefined || str() === undefined) return undefined;
    const flags = u32();
    if (flags === undefined) return undefined;
    p += (flags & 1 ? 8 : 0) + (flags & 2 ? 8 : 0) + (flags & 4 ? 4 : 0) + (flags & 8 ? 8 : 0);
    if (flags & 0x80000000) {
      const ext = u32();
      if (ext === undefined) return undefined;
      for (let e = 0; e < ext * 2; e++) if (str() === undefined) return undefined;
    }
    if (p > body.length) return undefined;
    out.push(name);
  }
  return out;
}
