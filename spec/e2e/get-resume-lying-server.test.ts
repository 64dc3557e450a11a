// `get --resume --output FILE` of a single file from a lying SFTP server
// (spec/helpers/hostile-sftp.ts): an fstat size smaller or larger than the
// data it serves, an end of file in the middle, a new mtime with new data,
// replies longer than asked (a protocol error, as OpenSSH's client has it)
// and short reads. Whatever it says, FILE is
// never a wrong file: each lie is exit 1 with the bytes kept beside FILE
// under the version's name, and FILE appears only byte-exact.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import { runCli } from '../helpers/cli';
import { startHostileSftp, type FakeEntry, type FakeTree } from '../helpers/hostile-sftp';

let work: string;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'scpipe-test-resume-lies-'));
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

const DATA = randomBytes(300_000);
const EOF = 1;

// One run against a server serving `entry` as /f: its result, and what is in `work` (name: size).
async function run(entry: FakeEntry, onRead?: FakeTree['onRead']): Promise<{ status: number | null; stderr: string; left: string[] }> {
  const fake = await startHostileSftp({ stat: (p) => (p === '/f' ? entry : p === '.' ? { kind: 'dir' } : undefined), list: () => undefined, onRead });
  try {
    const r = await runCli(['get', '-s', '-q', '--resume', ...fake.args(), '--output', join(work, 'out'), '127.0.0.1:/f'], { timeoutMs: 30_000 });
    const left = await Promise.all((await readdir(work)).sort().map(async (n) => `${n}: ${(await stat(join(work, n))).size}`));
    return { status: r.status, stderr: r.stderr, left };
  } finally {
    await fake.stop();
  }
}

const exact = async (): Promise<boolean> => (await readFile(join(work, 'out'))).equals(DATA);
// An EOF for every read from `at` on: the end of file come early.
const endsAt = (at: number) => (sftp: SFTPWrapper, reqid: number, _data: Buffer, offset: number): boolean => offset >= at && (sftp.status(reqid, EOF), true);

describe('get --resume from a server that lies', () => {
  it('a size smaller than the data: exit 1 each time, the bytes kept under that size; the true size starts over, byte-exact', async () => {
    for (let i = 0; i < 2; i++) {
      const r = await run({ kind: 'file', data: DATA, size: 100_000 });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/\/f: the file is longer than the 100000 bytes its size said \(it grew while being read\); the \d+ bytes restored so far are kept in .*out\.scpipe-partial-100000-1000000000-[0-9a-f]{8}: /);
      expect(r.left).toEqual([expect.stringMatching(/^out\.scpipe-partial-100000-1000000000-[0-9a-f]{8}: \d+$/)]);
    }
    expect(await run({ kind: 'file', data: DATA })).toMatchObject({ status: 0, left: ['out: 300000'] });
    expect(await exact()).toBe(true);
  });

  it('a size larger than the data: exit 1 naming where it ended, the data kept; the true size starts over, byte-exact', async () => {
    for (let i = 0; i < 2; i++) {
      const r = await run({ kind: 'file', data: DATA, size: 400_000 });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/\/f: the file ended at 300000 of 400000 bytes \(it shrank while being read\); the 300000 bytes restored so far are kept in .*out\.scpipe-partial-400000-1000000000-[0-9a-f]{8}: /);
      expect(r.left).toEqual([expect.stringMatching(/^out\.scpipe-partial-400000-1000000000-[0-9a-f]{8}: 300000$/)]);
    }
    expect(await run({ kind: 'file', data: DATA })).toMatchObject({ status: 0, left: ['out: 300000'] });
    expect(await exact()).toBe(true);
  });

  it('an end of file in the middle: exit 1, the bytes before it kept; the next run reads on from them, byte-exact', async () => {
    const r = await run({ kind: 'file', data: DATA }, endsAt(100_000));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/\/f: the file ended at \d+ of 300000 bytes \(it shrank while being read\)/);
    expect(r.left).toEqual([expect.stringMatching(/^out\.scpipe-partial-300000-1000000000-[0-9a-f]{8}: \d+$/)]);
    const again = await run({ kind: 'file', data: DATA });
    expect(again).toMatchObject({ status: 0, left: ['out: 300000'] });
    expect(again.stderr).toMatch(/^scpipe: resuming .*out\.scpipe-partial-300000-1000000000-[0-9a-f]{8}: .* kept; reading on from byte \d+\n$/);
    expect(await exact()).toBe(true);
  });

  it('a new mtime with new data: the bytes kept of the old one are not used', async () => {
    expect((await run({ kind: 'file', data: randomBytes(300_000), mtime: 5 }, endsAt(100_000))).left).toEqual([expect.stringMatching(/^out\.scpipe-partial-300000-5-[0-9a-f]{8}: \d+$/)]);
    expect(await run({ kind: 'file', data: DATA, mtime: 6 })).toMatchObject({ status: 0, stderr: '', left: ['out: 300000'] });
    expect(await exact()).toBe(true);
  });

  // OpenSSH's sftp-client ends the transfer on such a reply ("Received more
  // data than asked for"): the server is broken, and its other bytes are
  // not to be trusted either.
  it('a reply longer than asked: exit 1 as a protocol error, the bytes before it kept; an honest server then gives the rest, byte-exact', async () => {
    const r = await run({ kind: 'file', data: DATA }, (sftp, reqid, data, offset, length) => {
      if (offset >= data.length || Math.floor(offset / 1000) % 3 !== 1) return false;
      sftp.data(reqid, Buffer.concat([data.subarray(offset, offset + length), Buffer.alloc(50, 0x41)]));
      return true;
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^scpipe: SFTP protocol error from the server: a read of \d+ bytes at \d+ answered with \d+, more than asked for; the \d+ bytes restored so far are kept in .*out\.scpipe-partial-300000-1000000000-[0-9a-f]{8}: /);
    expect(r.left).toEqual([expect.stringMatching(/^out\.scpipe-partial-300000-1000000000-[0-9a-f]{8}: \d+$/)]);
    expect(await run({ kind: 'file', data: DATA })).toMatchObject({ status: 0, left: ['out: 300000'] });
    expect(await exact()).toBe(true);
  });

  it('short reads in the middle: byte-exact', async () => {
    const r = await run({ kind: 'file', data: DATA }, (sftp, reqid, data, offset, length) => {
      if (offset >= data.length || Math.floor(offset / 1000) % 3 !== 2) return false;
      sftp.data(reqid, data.subarray(offset, offset + Math.max(1, Math.floor(length / 3))));
      return true;
    });
    expect(r).toMatchObject({ status: 0, stderr: '', left: ['out: 300000'] });
    expect(await exact()).toBe(true);
  });
});
