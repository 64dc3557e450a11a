// Sizes past 4 GiB and 2^32, and a slow consumer: the download must slow the
// remote down (SSH window backpressure) instead of buffering the file.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { open, truncate, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { CLI, remote, sshFlags } from '../helpers/cli';
import { userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { waitFor, waitForSteady } from '../helpers/async';

const sshd = sshdPerSuite();
let rdir: string;
beforeAll(async () => {
  rdir = await userDir(sshd.rssh, 'large');
});

// Runs `scpipe get`, hashing stdout as it comes; `gate` may delay reading;
// `pauseMsPerMiB` reads slowly: a pause of that long after each MiB.
function getHashed(path: string, gate?: Promise<void>, pauseMsPerMiB = 0): { pid: number; buffered: () => number; done: Promise<{ status: number | null; sha: string; bytes: number; stderr: string }> } {
  const child = spawn(process.execPath, [CLI, 'get', ...sshFlags(sshd, sshd.rssh), remote(sshd, sshd.rssh, path)], {
    env: { ...process.env, HOME: rdir },
  });
  const hash = createHash('sha256');
  let bytes = 0;
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.pause();
  void (gate ?? Promise.resolve()).then(() => {
    let sincePause = 0;
    child.stdout.on('data', (d: Buffer) => {
      hash.update(d);
      bytes += d.length;
      sincePause += d.length;
      if (pauseMsPerMiB > 0 && sincePause >= 1 << 20) {
        sincePause = 0;
        child.stdout.pause();
        setTimeout(() => child.stdout.resume(), pauseMsPerMiB);
      }
    });
    child.stdout.resume();
  });
  const done = new Promise<{ status: number | null; sha: string; bytes: number; stderr: string }>((resolve) =>
    child.once('close', (status) => resolve({ status, sha: hash.digest('hex'), bytes, stderr })),
  );
  return { pid: child.pid!, buffered: () => child.stdout.readableLength, done };
}

const ZEROS = Buffer.alloc(4 << 20);

// The `length` bytes at `at` of a file of zeros with `marks` written in it.
function expected(marks: [number, string][], at: number, length: number): Buffer {
  const hit = marks.filter(([m, text]) => m < at + length && m + text.length > at);
  if (hit.length === 0 && length <= ZEROS.length) return ZEROS.subarray(0, length);
  const out = Buffer.alloc(length);
  for (const [m, text] of hit) Buffer.from(text).copy(out, Math.max(0, m - at), Math.max(0, at - m));
  return out;
}

// Runs `scpipe get` with `matches` judging each chunk of stdout at its offset; the first offset it refused.
function getChecked(path: string, matches: (at: number, chunk: Buffer) => boolean): Promise<{ status: number | null; bytes: number; firstDifference?: number; stderr: string }> {
  const child = spawn(process.execPath, [CLI, 'get', ...sshFlags(sshd, sshd.rssh), remote(sshd, sshd.rssh, path)], {
    env: { ...process.env, HOME: rdir },
  });
  let bytes = 0;
  let firstDifference: number | undefined;
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (d: Buffer) => {
    if (firstDifference === undefined && !matches(bytes, d)) firstDifference = bytes;
    bytes += d.length;
  });
  return new Promise((resolve) => child.once('close', (status) => resolve({ status, bytes, firstDifference, stderr })));
}

function rssKiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

describe('large and slow transfers', () => {
  it('downloads a sparse file of 4 GiB + 64 MiB byte-exact across the 2^32 boundary', async () => {
    const size = 2 ** 32 + 64 * 2 ** 20; // past 2^32 by enough for a size kept in 32 bits to show, no more: every byte crosses the link
    const path = join(rdir, 'sparse.img');
    await writeFile(path, '');
    await truncate(path, size);
    const fh = await open(path, 'r+');
    const marks: [number, string][] = [[2 ** 32 - 3, 'across-4GiB'], [size - 4, 'end!'], [0, 'start']];
    for (const [at, text] of marks) await fh.write(Buffer.from(text), 0, text.length, at);
    await fh.close();
    await chmod(path, 0o644);
    // Each chunk is compared with what the file holds there (zeros but the
    // marks): byte-exact as a digest, without hashing 4 GiB twice here.
    const r = await getChecked(path, (at, chunk) => expected(marks, at, chunk.length).equals(chunk));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.bytes).toBe(size);
    expect(r.firstDifference).toBeUndefined();
  }, 600_000);

  // One download of 256 MiB shows both: buffered whole, it would pass either
  // bound below; far more than every buffer on the way. First nobody reads
  // stdout (the backpressure must reach the remote); then a reader that reads,
  // but more slowly than the link (a restore into a slow `btrfs receive`):
  // the sink's queue never emptied, and it kept every chunk it had handed
  // out, so memory grew by the whole file (640 MB after 18 s of a 2 GiB file
  // at 20 MB/s), where a stalled reader stayed flat.
  it('keeps memory flat when stdout is not read for a while, then with a reader slower than the link, over SCP', async () => {
    const size = 256 * 2 ** 20;
    const path = join(rdir, 'big.bin');
    const fh = await open(path, 'w');
    const block = Buffer.alloc(1 << 20, 7);
    for (let i = 0; i < size / block.length; i++) await fh.write(block);
    await fh.close();
    await chmod(path, 0o644);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const run = getHashed(path, gate, 15); // once released, about 60 MB/s
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, rssKiB(run.pid))), 50);
    await waitFor(() => run.buffered() > 0, 'the first bytes'); // the download has begun; nobody reads stdout
    await waitForSteady(() => run.buffered(), 'every buffer the window allows to fill'); // the download is stalled
    const stalledPeak = peak;
    release();
    const r = await run.done;
    clearInterval(sampler);
    expect(r).toMatchObject({ status: 0, bytes: size, stderr: '' });
    expect(r.sha).toBe(createHash('sha256').update(readFileSync(path)).digest('hex'));
    expect(stalledPeak).toBeGreaterThan(0);
    expect(stalledPeak / 1024).toBeLessThan(160); // MiB: well below the 256 MiB file
    expect(peak / 1024).toBeLessThan(200); // MiB: with the queue holding what it handed out, 262
  }, 300_000);
});
