// cp downloads over SFTP read their replies into memory used again once the
// local file has the bytes (sftp/reply-pool.ts), for files read one by one
// and for the small files fetched ahead (sftp-prefetch.ts): every byte as
// the remote file has it, whatever the writer's pace, and nothing else left.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chown, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { remotePath, userDir } from '../helpers/sshd';
import { sshdPerSuite } from '../helpers/sshd-per-suite';
import { remote, runCli, sshFlags, startCli } from '../helpers/cli';
import { tempDirPerTest } from '../helpers/temp-dir';

const sshd = sshdPerSuite();
const local = tempDirPerTest('scpipe-test-sftp-cp-reuse-');
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const BIG = 80 * 261_120 + 4097; // many replies of OpenSSH's read size, the last short
const SMALL = 600_000; // fetched ahead (up to 1 MiB), three replies each
const SMALL_FILES = 40;
let dir: string;
const files = new Map<string, Buffer>();

beforeAll(async () => {
  dir = await userDir(sshd.sftp, 'cp-reuse');
  files.set('big.bin', randomBytes(BIG));
  for (let i = 0; i < SMALL_FILES; i++) files.set(`small/s${String(i).padStart(2, '0')}`, randomBytes(SMALL + i));
  await mkdir(join(dir, 'small'));
  await chown(join(dir, 'small'), sshd.sftp.uid, sshd.sftp.gid);
  for (const [name, data] of files) {
    await writeFile(join(dir, name), data);
    await chown(join(dir, name), sshd.sftp.uid, sshd.sftp.gid);
  }
});

const at = (name: string): string => remote(sshd, sshd.sftp, `${remotePath(sshd.sftp, dir)}/${name}`);
const cp = (extra: string[]): string[] => ['cp', ...sshFlags(sshd, sshd.sftp), '-v', ...extra];
const reusedOf = (stderr: string): number => Number(/replies read into memory used again: (\d+)/.exec(stderr)?.[1] ?? -1);

describe('scpipe cp from an SFTP host reading into memory used again', () => {
  it('copies a large file byte for byte, and leaves nothing else', async () => {
    const r = await runCli(cp([at('big.bin'), join(local(), 'big.bin')]));
    expect(r.status).toBe(0);
    expect(sha(await readFile(join(local(), 'big.bin')))).toBe(sha(files.get('big.bin')!));
    expect(await readdir(local())).toEqual(['big.bin']);
    expect(reusedOf(r.stderr)).toBeGreaterThan(0);
  });

  it('copies small files fetched ahead byte for byte (cp -r)', async () => {
    const r = await runCli(cp(['-r', at('small'), join(local(), 'small')]));
    expect(r.status).toBe(0);
    expect((await readdir(join(local(), 'small'))).length).toBe(SMALL_FILES);
    for (const [name, data] of files) if (name.startsWith('small/')) expect(sha(await readFile(join(local(), name)))).toBe(sha(data));
    expect(reusedOf(r.stderr)).toBeGreaterThan(0);
  });

  it('copies every byte into a FIFO whose reader takes each chunk late', async () => {
    const fifo = join(local(), 'pipe');
    execFileSync('mkfifo', [fifo]);
    const run = startCli(cp([at('big.bin'), fifo]));
    // The reader pauses after each chunk, so the writes wait behind the pipe.
    const read = createReadStream(fifo);
    const got: Buffer[] = [];
    read.on('data', (c) => {
      got.push(c as Buffer);
      read.pause();
      setTimeout(() => read.resume(), 2);
    });
    const ended = new Promise<void>((resolve, reject) => read.on('end', () => resolve()).on('error', reject));
    const r = await run.done;
    await ended;
    expect(r.status).toBe(0);
    expect(sha(Buffer.concat(got))).toBe(sha(files.get('big.bin')!));
    expect(reusedOf(r.stderr)).toBeGreaterThan(0);
  });
});
