// A full disk (docs/protocol.md §4.3 "Write errors"): the sink keeps accepting the
// body so the protocol stays in step, reports one error after it, and leaves
// nothing behind: no temp file, and an old file intact. Runs on a 1 MiB tmpfs
// (needs root, as the test suite does: mount failing fails the test).
import { execFileSync } from 'node:child_process';
import { statfsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLocalSink } from '../../../lib/fs/local-sink';
import { receive, tempDir } from './helpers';
import { formatBytes } from '../../../lib/spool/size';
import { fromBytes } from '../../../lib/util/byte-text';

// The size and the room the message gives, so the user knows how much to make.
const room = (size: string): string => {
  const fs = statfsSync(mnt);
  return ` (the file is ${size}, and its file system has ${formatBytes(BigInt(fs.bavail) * BigInt(fs.bsize))} free)`;
};

let dir: string;
let cleanup: () => Promise<void>;
let mnt: string;
let mounted = false;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  mnt = join(dir, 'small');
  await mkdir(mnt);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt], { stdio: 'pipe' }); // throws if not root
  mounted = true;
});
afterAll(async () => {
  if (mounted) execFileSync('umount', [mnt], { stdio: 'pipe' });
  await cleanup();
});

const opts = { preserve: false, recursive: false, umask: 0o022 };

describe('ENOSPC on a 1 MiB tmpfs', () => {
  it('accepts the whole body, then reports "No space left on device" and leaves nothing', async () => {
    const sink = await createLocalSink(mnt, opts);
    const result = await receive(sink, { name: 'big', mode: 0o644, data: Buffer.alloc(3 * 1024 * 1024, 7) }, { chunk: 16384 });
    expect(result).toEqual({ error: `${mnt}/big: No space left on device${room('3 MiB')}` });
    expect(await readdir(mnt)).toEqual([]);
  });

  it('keeps an old file intact, and the next file still arrives', async () => {
    await writeFile(join(mnt, 'old'), 'precious');
    const sink = await createLocalSink(mnt, opts);
    expect(await receive(sink, { name: 'old', mode: 0o644, data: Buffer.alloc(2 * 1024 * 1024, 1) })).toEqual({
      error: `${mnt}/old: No space left on device${room('2 MiB')}`,
    });
    expect(await readFile(join(mnt, 'old'), 'utf8')).toBe('precious');
    expect(await receive(sink, { name: 'next', mode: 0o644, data: 'fits' })).toEqual({});
    expect((await readdir(mnt)).sort()).toEqual(['next', 'old']);
  });

  it('says the room in a directory whose name is not UTF-8 (serve receives into such names)', async () => {
    const bytes = Buffer.concat([Buffer.from(`${mnt}/caf`), Buffer.from([0xe9])]);
    await mkdir(bytes);
    const sink = await createLocalSink(fromBytes(bytes), opts);
    expect(await receive(sink, { name: 'big', mode: 0o644, data: Buffer.alloc(3 * 1024 * 1024, 7) }, { chunk: 16384 })).toEqual({
      error: `${mnt}/caf\\xe9/big: No space left on device${room('3 MiB')}`,
    });
    expect(await readdir(bytes)).toEqual([]);
  });
});
