// limits@openssh.com stating absurd values. ssh2 took a 0 as "keep my
// guess by the server's name" (255 KiB for a name saying OpenSSH) and
// anything else as stated; a server that fails the request kept that guess
// too. Now, as OpenSSH's sftp has it (sftp-client.c): reads and writes of 64
// bytes to 255 KiB, 0 meaning no limit stated (the 32 KiB every server
// takes), none longer than the packets the server states leave room for,
// and 32 KiB where the server failed the request; -v says so. The copy is
// byte-exact either way.
import { randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import { targetDirPerTest } from '../helpers/temp-dir';
import { runCli } from '../helpers/cli';
import { rawReply, startHostileSftp, type FakeTree, type HostileSftp } from '../helpers/hostile-sftp';

let fake: HostileSftp | undefined;
// work()/target is the target; nothing else may appear in work()
const work = targetDirPerTest('scpipe-test-limits-values-', async () => {
  await fake?.stop();
  fake = undefined;
});

const MAX = 2n ** 64n - 1n;
type Values = [packet: bigint, read: bigint, write: bigint];

function extendedReply(sftp: SFTPWrapper, reqid: number, [packet, read, write]: Values): void {
  const body = Buffer.alloc(32);
  [packet, read, write, 0n].forEach((n, i) => body.writeBigUInt64BE(n, i * 8));
  rawReply(sftp, 201, reqid, body);
}

// A tree of /f (`data`) and the directory /up; limits@openssh.com answered by `answer`; the lengths of the reads and writes asked.
function treeAnswering(data: Buffer, answer: (sftp: SFTPWrapper, reqid: number) => void): { tree: FakeTree; reads: number[]; writes: number[] } {
  const reads: number[] = [];
  const writes: number[] = [];
  const entries: Record<string, { kind: 'dir' | 'file'; data?: Buffer }> = { '/': { kind: 'dir' }, '/up': { kind: 'dir' }, '/f': { kind: 'file', data } };
  const tree: FakeTree = {
    stat: (path) => entries[path],
    list: () => undefined,
    extensions: { 'limits@openssh.com': answer },
    onRead: (sftp, reqid, bytes, offset, length) => {
      reads.push(length);
      if (offset >= bytes.length) sftp.status(reqid, 1);
      else sftp.data(reqid, bytes.subarray(offset, offset + length));
      return true;
    },
    storeWrite: (_path, _offset, piece) => (writes.push(piece.length), piece),
  };
  return { tree, reads, writes };
}

async function download(data: Buffer, answer: (sftp: SFTPWrapper, reqid: number) => void): Promise<{ stderr: string; reads: number[] }> {
  const { tree, reads } = treeAnswering(data, answer);
  fake = await startHostileSftp(tree);
  const r = await runCli(['cp', ...fake.args(), '-v', 'backup@127.0.0.1:/f', join(work(), 'target')]);
  expect(r.status).toBe(0);
  expect((await readFile(join(work(), 'target', 'f'))).equals(data)).toBe(true);
  await rm(join(work(), 'target', 'f'));
  return { stderr: r.stderr, reads };
}

const said = (line: string): RegExp => new RegExp(`^scpipe: sftp: ${line.replace(/[()^$.*+?[\]\\]/g, '\\$&')}$`, 'm');

describe('a download reads as much as the stated limits allow, within bounds', () => {
  it.each<[string, Values, number, string]>([
    ['all 0 (no limit stated): 32 KiB', [0n, 0n, 0n], 32768, 'reads of 0, writes of 0, packets of 0 bytes: using reads of 32768 and writes of 32768 bytes'],
    ['2^64-1: 255 KiB', [MAX, MAX, MAX], 261120, 'reads of more than 2^53, writes of more than 2^53, packets of more than 2^53 bytes: using reads of 261120 and writes of 261120 bytes'],
    ['more than an SFTP packet holds (300,000): 255 KiB', [300000n, 300000n, 300000n], 261120, 'reads of 300000, writes of 300000, packets of 300000 bytes: using reads of 261120 and writes of 261120 bytes'],
    ['longer than its own packets (34,000): what they leave room for', [34000n, 261120n, 261120n], 32976, 'reads of 261120, writes of 261120, packets of 34000 bytes: using reads of 32976 and writes of 32976 bytes'],
    ['1 byte: OpenSSH\'s floor of 64', [262144n, 1n, 1n], 64, 'reads of 1, writes of 1, packets of 262144 bytes: using reads of 64 and writes of 64 bytes'],
  ])('%s', async (_what, values, longest, line) => {
    const data = randomBytes(longest === 64 ? 1000 : 600_000);
    const { stderr, reads } = await download(data, (sftp, reqid) => extendedReply(sftp, reqid, values));
    expect(Math.max(...reads)).toBe(longest);
    expect(stderr).toMatch(said(`the server's limits@openssh.com states ${line}`));
  });

  it('OpenSSH\'s own values are taken as they are, and not said', async () => {
    const { stderr, reads } = await download(randomBytes(600_000), (sftp, reqid) => extendedReply(sftp, reqid, [262144n, 261120n, 261120n]));
    expect(Math.max(...reads)).toBe(261120);
    expect(stderr).not.toMatch(/limits@openssh\.com/);
  });

  it('a server that fails limits@openssh.com gets 32 KiB reads, and -v says why', async () => {
    const { stderr, reads } = await download(randomBytes(100_000), (sftp, reqid) => void sftp.status(reqid, 8, 'not \x1b[31mhere'));
    expect(Math.max(...reads)).toBe(32768);
    expect(stderr).toMatch(said('the server failed limits@openssh.com (not \\x1b[31mhere): requests of 32768 bytes'));
  });
});

it.each<[string, number, Values]>([
  ['0', 32768, [0n, 0n, 0n]],
  ['2^64-1', 261120, [MAX, MAX, MAX]],
])('an upload to a server stating writes of %s writes %d bytes at most, and stores byte-exact', async (_what, longest, values) => {
  const data = randomBytes(600_000);
  await writeFile(join(work(), 'target', 'a'), data);
  const { tree, writes } = treeAnswering(Buffer.alloc(0), (sftp, reqid) => extendedReply(sftp, reqid, values));
  fake = await startHostileSftp(tree);
  const r = await runCli(['cp', ...fake.args(), '-q', join(work(), 'target', 'a'), 'backup@127.0.0.1:/up']);
  expect(r).toMatchObject({ status: 0, stderr: '' });
  expect(Math.max(...writes)).toBe(longest);
  expect(fake.uploads.files.get('/up/a')!.equals(data)).toBe(true);
  await rm(join(work(), 'target', 'a'));
});
