// getTo() of a parts set, as the CLI's get runs it (`reuseChunks`): the
// output is given the parts' bytes as they are held or read back from the
// spool file, one chunk at a time, never several joined into a fresh copy
// (each join was a copy of every byte and garbage to collect,
// docs/performance.md §4); a spilled part is read back into memory the
// output gave back once written, and a part held in RAM into blocks that
// come back for the next parts once written out. Every byte arrives in order across each
// part's boundary, with parts held in RAM or spilled to disk, to a slow
// writer, and no spool file is left.
import { createHash, randomBytes } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { getTo, put } from '../../lib';
import { connectOptions, remotePath, userDir, type TestAccount } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { tempDirPerTest } from '../helpers/temp-dir';
import { remote, runCli, sshFlags, startCli } from '../helpers/cli';

const sshd = sshdPerSuite();
const spoolDir = tempDirPerTest('scpipe-parts-chunks-', { mustEndEmpty: true });
const local = tempDirPerTest('scpipe-test-parts-chunks-out-');
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const PART = 1024 * 1024 + 3; // boundaries inside the remote's reads and the spool's
const data = randomBytes(5 * PART + 1234);
// The longest chunk a part gives out: a spool file's read, or a chunk as it came.
const BODY_CHUNK = 256 * 1024;

// A writer that calls back each write late, records what it was given, and
// counts the chunks changed before their write was called back.
function slowWriter(): { out: Writable; lengths: number[]; bytes: () => Buffer; changed: () => number } {
  const copies: Buffer[] = [];
  const lengths: number[] = [];
  let changed = 0;
  const out = new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _enc, done) {
      const copy = Buffer.from(chunk);
      lengths.push(chunk.length);
      copies.push(copy);
      setTimeout(() => {
        if (!chunk.equals(copy)) changed++;
        done();
      }, 1);
    },
  });
  return { out, lengths, bytes: () => Buffer.concat(copies), changed: () => changed };
}
const reusedOf = (text: string): number => Number(/spilled parts read back into memory used again: (\d+)/.exec(text)?.[1] ?? -1);
const blocksReusedOf = (text: string): number => Number(/blocks of parts held in RAM used again: (\d+)/.exec(text)?.[1] ?? -1);

describe.each([
  ['SCP', 'scp', () => sshd.rssh],
  ['SFTP', 'sftp', () => sshd.sftp],
] as const)('getTo() of a parts set over %s', (_, protocol, account: () => TestAccount) => {
  let set: string;

  beforeAll(async () => {
    const dir = await userDir(account(), 'chunks');
    set = `${remotePath(account(), dir)}/set.bin`;
    await put(connectOptions(sshd, account()), set, Readable.from([data]), { partSize: PART, protocol });
  });

  it.each([
    ['held in RAM', undefined],
    ['spilled to disk', 64 * 1024],
  ])('gives the output each chunk of parts %s as it is, never joined', async (_, memoryLimit) => {
    const w = slowWriter();
    let spilled = 0;
    const said: string[] = [];
    await getTo(connectOptions(sshd, account()), set, w.out, { protocol, memoryLimit, spoolDir: spoolDir(), reuseChunks: true, parallel: 2, onSpill: () => spilled++, trace: (l) => said.push(l) });
    expect(sha(w.bytes())).toBe(sha(data));
    expect(spilled > 0).toBe(memoryLimit !== undefined);
    expect(Math.max(...w.lengths)).toBeLessThanOrEqual(BODY_CHUNK);
    // A spilled part is read back into memory the output gave back, never before its write was called back.
    expect(w.changed()).toBe(0);
    if (memoryLimit !== undefined) expect(reusedOf(said.join('\n'))).toBeGreaterThan(0);
    // Six parts of one block each, two fetched ahead: the later ones in blocks the earlier gave back.
    else expect(blocksReusedOf(said.join('\n'))).toBeGreaterThan(0);
  });

  it('restores a set spilled to disk byte for byte through the CLI, to --output and to a slow stdout', async () => {
    const args = (extra: string[]): string[] => ['get', ...sshFlags(sshd, account()), '-v', '--protocol', protocol, '--memory', '64K', '--spool-dir', spoolDir(), ...extra, remote(sshd, account(), set)];
    const out = join(local(), 'set.bin');
    const toFile = await runCli(args(['--output', out]));
    expect(toFile.status).toBe(0);
    expect(sha(await readFile(out))).toBe(sha(data));
    expect(await readdir(local())).toEqual(['set.bin']);
    expect(reusedOf(toFile.stderr)).toBeGreaterThan(0);
    const run = startCli(args([]));
    const stdout = run.child.stdout!;
    // The reader pauses after each chunk, so the writes wait behind the pipe.
    stdout.on('data', () => {
      stdout.pause();
      setTimeout(() => stdout.resume(), 2);
    });
    const toStdout = await run.done;
    expect(toStdout.status).toBe(0);
    expect(sha(toStdout.stdout)).toBe(sha(data));
    expect(reusedOf(toStdout.stderr)).toBeGreaterThan(0);
  });
});
