// cp over SFTP with a checksum (--checksum-file, --checksum: the library's
// `sha256`) against a real sshd: each file's sum is right, and a file of
// several write requests is still read straight into the requests, as
// without a checksum (reads of the server's write size, 261,120 bytes from
// OpenSSH's sftp-server, not 256 KiB reads copied into requests).
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { upload, type CopiedFile } from '../../lib';
import { connectOptions, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite();
const tmp = tempDirPerTest('scpipe-sftp-cp-sha256-');
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

afterEach(() => jest.restoreAllMocks());

it('cp with sha256: the sums are of the bytes stored, and a large file is read in write requests', async () => {
  const dir = await userDir(sshd.user, 'sums');
  const big = join(tmp(), 'big.bin');
  const small = join(tmp(), 'small.bin');
  const data = { [big]: randomBytes(3_000_000 + 7), [small]: randomBytes(1000) };
  for (const [path, bytes] of Object.entries(data)) await writeFile(path, bytes);
  const bigIno = (await stat(big)).ino;

  // The lengths asked of read() on the large file's descriptor.
  const lengths: number[] = [];
  const realRead = fs.read;
  jest.spyOn(fs, 'read').mockImplementation(((fd: number, ...rest: unknown[]) => {
    if (fs.fstatSync(fd).ino === bigIno) lengths.push(rest[2] as number);
    return (realRead as (...a: unknown[]) => void)(fd, ...rest);
  }) as typeof fs.read);

  const copied: CopiedFile[] = [];
  await upload(connectOptions(sshd, sshd.user), [big, small], dir, { protocol: 'sftp', sha256: true, onFileCopied: (f) => copied.push(f) });

  expect(copied.map((f) => [f.localPath, f.bytes, f.sha256]).sort()).toEqual([big, small].map((p) => [p, BigInt(data[p].length), sha(data[p])]).sort());
  expect((await readFile(join(dir, 'big.bin'))).equals(data[big])).toBe(true);
  expect((await readFile(join(dir, 'small.bin'))).equals(data[small])).toBe(true);
  expect(lengths.length).toBeGreaterThan(11);
  expect(new Set(lengths)).toEqual(new Set([261_120]));
}, 60_000);
