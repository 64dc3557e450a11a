// get over SFTP reads its replies into memory it uses again once stdout or
// the --output file has the bytes (sftp/reply-pool.ts): every byte as the
// file has it, whatever the reader's pace; a library caller that keeps the
// body's chunks has each one distinct and unchanged.
import { createHash, randomBytes } from 'node:crypto';
import { chown, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { get, getTo } from '../../lib';
import { connectOptions, remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, sshFlags, startCli } from '../helpers/cli';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-test-sftp-get-reuse-');
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const SIZE = 80 * 261_120 + 4097; // many replies of OpenSSH's read size (more than three channels keep in flight), the last short
let dir: string;
let data: Buffer;

beforeAll(async () => {
  dir = await userDir(sshd.sftp, 'reuse');
  data = randomBytes(SIZE);
  await writeFile(join(dir, 'f.bin'), data);
  await chown(join(dir, 'f.bin'), sshd.sftp.uid, sshd.sftp.gid);
});

const args = (extra: string[] = []): string[] => ['get', ...sshFlags(sshd, sshd.sftp), '-v', '--protocol', 'sftp', ...extra, remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, dir)}/f.bin`)];
const reusedOf = (stderr: string): number => Number(/replies read into memory used again: (\d+)/.exec(stderr)?.[1] ?? -1);

describe('scpipe get over SFTP reading into memory used again', () => {
  it.each([['one channel', '1'], ['three channels', '3']])('writes every byte to stdout over %s', async (_, parallel) => {
    const r = await runCli(args(['--parallel', parallel]));
    expect(r.status).toBe(0);
    expect(sha(r.stdout)).toBe(sha(data));
    expect(reusedOf(r.stderr)).toBeGreaterThan(0);
  });

  it('writes every byte into --output, and leaves nothing else', async () => {
    const out = join(local(), 'out.bin');
    const r = await runCli(args(['--output', out]));
    expect(r.status).toBe(0);
    expect(sha(await readFile(out))).toBe(sha(data));
    expect(await readdir(local())).toEqual(['out.bin']);
    expect(reusedOf(r.stderr)).toBeGreaterThan(0);
  });

  it('writes every byte of a parts set to stdout and into --output', async () => {
    const set = `${remotePath(sshd.sftp, dir)}/set`;
    const put = await runCli(['put', ...sshFlags(sshd, sshd.sftp), '--part-size', '1M', remote(sshd, sshd.sftp, set)], { stdin: data });
    expect(put.status).toBe(0);
    const toStdout = await runCli(['get', ...sshFlags(sshd, sshd.sftp), '--protocol', 'sftp', remote(sshd, sshd.sftp, set)]);
    expect(toStdout.status).toBe(0);
    expect(sha(toStdout.stdout)).toBe(sha(data));
    const out = join(local(), 'set.bin');
    const toFile = await runCli(['get', ...sshFlags(sshd, sshd.sftp), '--protocol', 'sftp', '--output', out, remote(sshd, sshd.sftp, set)]);
    expect(toFile.status).toBe(0);
    expect(sha(await readFile(out))).toBe(sha(data));
    expect(await readdir(local())).toEqual(['set.bin']);
  });

  it('writes every byte to a reader that takes each chunk late', async () => {
    const run = startCli(args(['--parallel', '2']));
    const out = run.child.stdout!;
    // The reader pauses after each chunk, so replies wait behind the pipe.
    out.on('data', () => {
      out.pause();
      setTimeout(() => out.resume(), 2);
    });
    const r = await run.done;
    expect(r.status).toBe(0);
    expect(sha(r.stdout)).toBe(sha(data));
  });
});

describe('a library caller keeping the chunks', () => {
  const target = () => connectOptions(sshd, sshd.sftp);
  const path = () => `${remotePath(sshd.sftp, dir)}/f.bin`;

  // Each chunk kept as it came, and a copy of it then: the two must agree at the end.
  function keeper(): { chunks: Buffer[]; copies: Buffer[]; write: (c: Buffer) => void } {
    const chunks: Buffer[] = [];
    const copies: Buffer[] = [];
    return { chunks, copies, write: (c) => void (chunks.push(c), copies.push(Buffer.from(c))) };
  }
  const distinctAndUnchanged = (k: ReturnType<typeof keeper>): void => {
    expect(sha(Buffer.concat(k.chunks))).toBe(sha(data));
    expect(k.chunks.every((c, i) => c.equals(k.copies[i]!))).toBe(true);
    // No two chunks share a byte of memory.
    const byMemory = new Map<ArrayBufferLike, Array<[number, number]>>();
    for (const c of k.chunks) byMemory.set(c.buffer, [...(byMemory.get(c.buffer) ?? []), [c.byteOffset, c.byteOffset + c.length]]);
    for (const spans of byMemory.values()) {
      spans.sort((a, b) => a[0] - b[0]);
      expect(spans.every((s, i) => i === 0 || s[0] >= spans[i - 1]![1])).toBe(true);
    }
  };

  it("get(): the body's chunks stay as they were read", async () => {
    const k = keeper();
    const download = await get(target(), path(), { protocol: 'sftp' });
    for await (const chunk of download.body as AsyncIterable<Buffer>) k.write(chunk);
    await download.done;
    distinctAndUnchanged(k);
  });

  it('getTo() into a stream of the caller: the chunks written stay as they were', async () => {
    const k = keeper();
    const sink = new Writable({ write: (c: Buffer, _e, cb) => (k.write(c), cb()) });
    await getTo(target(), path(), sink, { protocol: 'sftp' });
    distinctAndUnchanged(k);
  });
});
