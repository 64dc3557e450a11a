// PipeReads on a FIFO: a parts set (eager) gets what a slow producer wrote
// as soon as it waits for it (once as many as it still wants), in pieces of
// one buffer filled on after each;
// an SFTP put (not eager) gets only full buffers, the last as filled.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PipeReads } from '../../../lib/spool/pipe-reads';

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(join(tmpdir(), 'scpipe-pipe-reads-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

// Both ends of a new FIFO: the read end non-blocking, as a pipe on stdin is read.
function fifo(): { r: number; w: number } {
  const path = join(dir, 'fifo');
  execFileSync('mkfifo', [path]);
  const r = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  return { r, w: fs.openSync(path, 'w') };
}

const within = <T>(p: Promise<T>, ms: number): Promise<T | 'waiting'> =>
  Promise.race([p, new Promise<'waiting'>((resolve) => setTimeout(() => resolve('waiting'), ms).unref())]);

it('eager: what was written is handed out while the producer pauses, then the rest of the same buffer, then the end', async () => {
  const { r, w } = fifo();
  const ends: Array<[Buffer, number]> = [];
  const buffers: Buffer[] = [];
  const reads = new PipeReads(r, () => (buffers.push(Buffer.alloc(1024)), buffers.at(-1)!), { eager: true, onEnd: (b, n) => ends.push([b, n]) });
  fs.writeSync(w, 'abcd');
  const first = await reads.next();
  expect(first!.toString()).toBe('abcd');
  fs.writeSync(w, 'ef');
  const second = await reads.next();
  expect(second!.toString()).toBe('ef');
  // One buffer, filled on: the second piece lies right after the first.
  expect(second!.buffer).toBe(first!.buffer);
  expect(second!.byteOffset).toBe(first!.byteOffset + 4);
  fs.closeSync(w);
  expect(await reads.next()).toBeUndefined();
  expect(ends).toEqual([[buffers[0], 6]]);
  reads.close();
});

it('eager with want(): fewer bytes than the reader wants wait for more, or for the buffer to fill', async () => {
  const { r, w } = fifo();
  const reads = new PipeReads(r, () => Buffer.alloc(1024), { eager: true });
  let open = true;
  try {
    reads.want(5);
    fs.writeSync(w, 'abcd');
    const first = reads.next();
    // A bound on a wait for what must not come: 4 bytes of the 5 wanted are held.
    expect(await within(first, 200)).toBe('waiting');
    fs.writeSync(w, 'ef');
    expect((await first)!.toString()).toBe('abcdef');
    // More than a buffer wanted (a part's start): the buffer goes once full, not a piece per write.
    reads.want(100_000);
    fs.writeSync(w, 'x'.repeat(500));
    const second = reads.next();
    expect(await within(second, 200)).toBe('waiting');
    fs.writeSync(w, 'y'.repeat(518));
    expect((await second)!.toString()).toBe('x'.repeat(500) + 'y'.repeat(518));
    fs.writeSync(w, 'z');
    fs.closeSync(w);
    open = false;
    expect((await reads.next())!.toString()).toBe('z'); // the end hands out what is left, wanted or not
    expect(await reads.next()).toBeUndefined();
  } finally {
    if (open) fs.closeSync(w);
    reads.close();
  }
});

it('not eager: a short write waits for the buffer to fill or the input to end', async () => {
  const { r, w } = fifo();
  const reads = new PipeReads(r, () => Buffer.alloc(1024));
  fs.writeSync(w, 'abcd');
  const next = reads.next();
  // A bound on a wait for what must not come: the piece is held, not handed out.
  expect(await within(next, 200)).toBe('waiting');
  fs.closeSync(w);
  expect((await next)!.toString()).toBe('abcd');
  expect(await reads.next()).toBeUndefined();
  reads.close();
});
