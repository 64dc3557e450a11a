// getTo() of a parts set, as the CLI's get runs it (`reuseChunks`): the
// output is given the parts' bytes as they are held or read back from the
// spool file, one chunk at a time, never several joined into a fresh copy
// (each join was a copy of every byte and garbage to collect,
// docs/performance.md §4). Every byte arrives in order across each part's
// boundary, with parts held in RAM or spilled to disk, to a slow writer, and
// no spool file is left.
import { createHash, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { getTo, put } from '../../lib';
import { connectOptions, remotePath, userDir, type TestAccount } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite();
const spoolDir = tempDirPerTest('scpipe-parts-chunks-', { mustEndEmpty: true });
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const PART = 1024 * 1024 + 3; // boundaries inside the remote's reads and the spool's
const data = randomBytes(5 * PART + 1234);
// The longest chunk a part gives out: a spool file's read, or a chunk as it came.
const BODY_CHUNK = 256 * 1024;

// A writer that calls back each write late and records what it was given.
function slowWriter(): { out: Writable; lengths: number[]; bytes: () => Buffer } {
  const copies: Buffer[] = [];
  const lengths: number[] = [];
  const out = new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _enc, done) {
      lengths.push(chunk.length);
      copies.push(Buffer.from(chunk));
      setTimeout(done, 1);
    },
  });
  return { out, lengths, bytes: () => Buffer.concat(copies) };
}

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
    await getTo(connectOptions(sshd, account()), set, w.out, { protocol, memoryLimit, spoolDir: spoolDir(), reuseChunks: true, parallel: 2, onSpill: () => spilled++ });
    expect(sha(w.bytes())).toBe(sha(data));
    expect(spilled > 0).toBe(memoryLimit !== undefined);
    expect(Math.max(...w.lengths)).toBeLessThanOrEqual(BODY_CHUNK);
  });
});
