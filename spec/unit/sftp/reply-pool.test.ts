// DATA replies joined into pooled buffers, through ssh2's own SFTP client
// object (no connection): whatever the chunks the channel hands over, each
// read gets exactly its bytes, unchanged until its writer gives it back; a
// pool with nothing free lends fresh memory; what is never given back is
// never lent again.
import { createHash, randomBytes } from 'node:crypto';
import { tapNames } from '../../../lib/sftp/name-bytes';
import { readUncopied } from '../../../lib/sftp/read-uncopied';
import { ReplyPool } from '../../../lib/sftp/reply-pool';

interface Ssh2Sftp {
  push(data: Buffer | null): void;
  on(event: string, listener: (...args: unknown[]) => void): void;
}
const SftpClass = (require('ssh2/lib/protocol/SFTP.js') as { SFTP: new (client: unknown, chanInfo: unknown, cfg: unknown) => Ssh2Sftp }).SFTP;

const u32 = (n: number): Buffer => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
const packet = (type: number, body: Buffer): Buffer => Buffer.concat([u32(body.length + 1), Buffer.from([type]), body]);
const VERSION = packet(2, u32(3));
const data = (reqid: number, bytes: Buffer): Buffer => packet(103, Buffer.concat([u32(reqid), u32(bytes.length), bytes]));
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

// Reads of 700 bytes; the server answers some short, one with nothing.
const LENGTH = 700;
const ANSWERS = [700, 700, 299, 700, 0, 700, 1, 700].map((n) => randomBytes(n));
const EXPECTED = sha(Buffer.concat(ANSWERS));

interface Run {
  pool: ReplyPool;
  /** Chunks in reply order, each checked (and given back) when the writer is done with it. */
  out: Buffer[];
  /** Each read's memory, by reply. */
  buffers: ArrayBufferLike[];
}

// The replies fed to ssh2 in chunks of `sizes` (cycled); `lag`: the writer
// gives a chunk back only once that many later ones arrived (Infinity: never).
function run(sizes: number[], lag: number, pool = new ReplyPool()): Run {
  const sftp = new SftpClass({ _protocol: { channelData: () => undefined, channelClose: () => undefined } }, { type: 'sftp', incoming: { id: 0, state: 'open', window: 1e15, packetSize: 1e15 }, outgoing: { id: 7, state: 'open', window: 1e15, packetSize: 32768 } }, {});
  sftp.on('error', (err) => {
    throw err;
  });
  const tap = tapNames(sftp)!;
  const out: Buffer[] = [];
  const buffers: ArrayBufferLike[] = [];
  const held: Array<{ chunk: Buffer; index: number }> = [];
  const write = (): void => {
    const { chunk, index } = held.shift()!;
    expect(sha(chunk)).toBe(sha(ANSWERS[index]!)); // unchanged while held
    out[index] = Buffer.from(chunk);
    pool.giveBack(chunk);
  };
  ANSWERS.forEach((_, i) =>
    readUncopied(sftp as never, Buffer.from('h'), LENGTH, i * LENGTH, (err, chunk) => {
      expect(err).toBeFalsy();
      buffers[i] = chunk!.buffer;
      held.push({ chunk: chunk!, index: i });
      while (held.length > lag) write();
    }, (reqid) => tap.pool(reqid, pool)),
  );
  const stream = Buffer.concat([VERSION, ...ANSWERS.map((a, i) => data(i, a))]);
  for (let at = 0, k = 0; at < stream.length; k++) {
    const n = sizes[k % sizes.length]!;
    sftp.push(stream.subarray(at, (at += n)));
  }
  while (held.length > 0) write();
  return { pool, out, buffers };
}

describe('DATA replies joined into pooled buffers', () => {
  const sizes = Array.from({ length: 760 }, (_, i) => i + 1);

  it.each(sizes)('gives every read its bytes, fed in chunks of %i, the writer giving each back at once', (size) => {
    const { pool, out } = run([size], 0);
    expect(sha(Buffer.concat(out))).toBe(EXPECTED);
    // A reply that spans chunks and whose head lies whole in one is joined into a lent buffer (then lent again).
    if (size >= 16 && size < 300) expect(pool.counts.reused).toBeGreaterThan(0);
  });

  it.each([[[1, 708, 3]], [[9, 700]], [[4, 5, 717]], [[13, 8, 2000]], [[709, 709, 1]]])('gives every read its bytes in chunks cycling through %j', (cycle) => {
    for (const lag of [0, 1, 3]) expect(sha(Buffer.concat(run(cycle, lag).out))).toBe(EXPECTED);
  });

  it('lends nothing for replies whole in their chunk (ssh2 hands them over uncopied)', () => {
    const { pool, out } = run([1e6], 0);
    expect(sha(Buffer.concat(out))).toBe(EXPECTED);
    expect(pool.counts).toEqual({ fresh: 0, reused: 0 });
  });

  it('lends fresh memory while the writer holds every chunk, and each read has a buffer of its own', () => {
    const { pool, out, buffers } = run([100], Infinity);
    expect(sha(Buffer.concat(out))).toBe(EXPECTED);
    // The six replies longer than a chunk each in memory of its own (one whose head spans two chunks, ssh2's).
    expect(pool.counts.reused).toBe(0);
    expect(pool.counts.fresh).toBeGreaterThanOrEqual(5);
    const long = ANSWERS.flatMap((a, i) => (a.length > 100 ? [buffers[i]] : []));
    expect(new Set(long).size).toBe(6);
  });

  it('keeps data unchanged for a writer slow to give it back', () => {
    for (const lag of [1, 2, 3]) {
      const { pool, out } = run([64], lag);
      expect(sha(Buffer.concat(out))).toBe(EXPECTED);
      expect(pool.counts.fresh).toBeGreaterThan(lag); // dry while the writer held them
      expect(pool.counts.fresh + pool.counts.reused).toBeGreaterThanOrEqual(5);
    }
  });

  it('takes back only the whole data of a lent reply, once', () => {
    const pool = new ReplyPool();
    const a = pool.lend(20);
    const data = a.subarray(9);
    pool.giveBack(data.subarray(1)); // a part of it
    pool.giveBack(Buffer.alloc(11)); // not lent
    expect(pool.lend(20).buffer).not.toBe(a.buffer);
    pool.giveBack(data);
    pool.giveBack(data); // twice
    const b = pool.lend(20);
    const c = pool.lend(20);
    expect(b.buffer).toBe(a.buffer);
    expect(c.buffer).not.toBe(a.buffer);
  });

  it('takes back a buffer lent whole (a spool file read into it) only as the whole of it', () => {
    const pool = new ReplyPool();
    const a = pool.lend(20, 0);
    pool.giveBack(a.subarray(9)); // as a reply's data: not this buffer's
    pool.giveBack(a.subarray(0, 19));
    expect(pool.lend(20, 0).buffer).not.toBe(a.buffer);
    pool.giveBack(a);
    expect(pool.lend(20).buffer).toBe(a.buffer);
  });

  it('keeps no more idle than its bound', () => {
    const pool = new ReplyPool(40);
    const lent = [pool.lend(20), pool.lend(20), pool.lend(20)];
    for (const l of lent) pool.giveBack(l.subarray(9));
    pool.lend(20);
    pool.lend(20);
    pool.lend(20);
    expect(pool.counts).toEqual({ fresh: 4, reused: 2 });
  });
});
