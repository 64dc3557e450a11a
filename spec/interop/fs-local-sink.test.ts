// createLocalSink() + the sink role against OpenSSH's own `scp -f` over pipes
// (docs/protocol.md §4.2, §4.3): a tree sent by the real source lands as it was.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLocalSink } from '../../lib/fs/local-sink';
import { ScpSink } from '../../lib/protocol/sink';
import { spawnChannel } from '../../lib/transport/child-channel';
import { snapshotTree, tempDir } from '../unit/fs/helpers';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(() => cleanup());

async function download(remote: string, target: string, opts: { recursive: boolean; preserve: boolean }): Promise<void> {
  const flags = [...(opts.recursive ? ['-r'] : []), ...(opts.preserve ? ['-p'] : []), '-f', remote];
  const handler = await createLocalSink(target, { ...opts, umask: 0o022 });
  await new ScpSink(spawnChannel('scp', flags), handler, { recursive: opts.recursive }).run();
}

describe('local sink vs OpenSSH scp -f', () => {
  it('receives a tree with -r -p: contents, modes (setuid, read-only dirs) and mtimes', async () => {
    const src = join(dir, 'src/tree');
    await mkdir(join(src, 'ro/inner'), { recursive: true });
    await mkdir(join(src, 'empty dir'));
    await writeFile(join(src, 'big'), randomBytes(5 * 1024 * 1024 + 3));
    await writeFile(join(src, 'empty'), '');
    await writeFile(join(src, 'suid'), 'x');
    await chmod(join(src, 'suid'), 0o4755);
    await writeFile(join(src, 'ro/inner/f'), 'deep');
    let t = 1_200_000_000;
    for (const p of ['big', 'empty', 'suid', 'ro/inner/f', 'ro/inner', 'empty dir', 'ro', '.']) await utimes(join(src, p), t, t++);
    await chmod(join(src, 'ro'), 0o555);
    await mkdir(join(dir, 'dst'));
    await download(src, join(dir, 'dst'), { recursive: true, preserve: true });
    expect(await snapshotTree(join(dir, 'dst/tree'))).toEqual(await snapshotTree(src));
    expect((await snapshotTree(join(dir, 'dst')))[0]).toMatchObject({ path: 'tree', mtime: 1_200_000_007 });
  });

  it('replaces an existing file without -p and keeps its mode; leaves no temp file', async () => {
    await writeFile(join(dir, 'remote'), 'new content');
    await chmod(join(dir, 'remote'), 0o4755);
    await writeFile(join(dir, 'local'), 'old', { mode: 0o600 });
    await download(join(dir, 'remote'), join(dir, 'local'), { recursive: false, preserve: false });
    expect(await readFile(join(dir, 'local'), 'utf8')).toBe('new content');
    expect((await snapshotTree(dir, { mtimes: false })).find((e) => e.path === 'local')?.mode).toBe('0600');
    expect((await readdir(dir)).sort()).toEqual(['local', 'remote']);
  });

  it('skips a name that is not UTF-8 (a file, and a directory with its tree), copies the rest, then fails with it', async () => {
    const src = join(dir, 'src/tree');
    await mkdir(join(src, 'sub'), { recursive: true });
    for (let i = 0; i < 7; i++) await writeFile(join(src, `good${i}`), `file ${i}`);
    await writeFile(join(src, 'sub/kept'), 'deep');
    await writeFile(Buffer.from(`${src}/a\xff`, 'latin1'), 'bad');
    await mkdir(Buffer.from(`${src}/d\xfe`, 'latin1'));
    await writeFile(Buffer.from(`${src}/d\xfe/inside`, 'latin1'), 'not reached');
    await mkdir(join(dir, 'dst'));
    const problems: string[] = [];
    const handler = await createLocalSink(join(dir, 'dst'), { recursive: true, preserve: false, umask: 0o022 });
    const run = new ScpSink(spawnChannel('scp', ['-r', '-f', src]), handler, { recursive: true, onProblem: (e) => problems.push(e.message) }).run();
    await expect(run).rejects.toMatchObject({ code: 'ERR_LOCAL_IO', message: expect.stringMatching(/^(a\\xff|d\\xfe): name is not valid UTF-8, skipped$/) });
    expect(problems.sort()).toEqual(['a\\xff: name is not valid UTF-8, skipped', 'd\\xfe: name is not valid UTF-8, skipped']);
    expect((await readdir(join(dir, 'dst/tree'))).sort()).toEqual([...Array.from({ length: 7 }, (_, i) => `good${i}`), 'sub']);
    expect(await readFile(join(dir, 'dst/tree/sub/kept'), 'utf8')).toBe('deep');
  });

  it('reports a write error (/dev/full) as the one error of that file', async () => {
    await writeFile(join(dir, 'remote'), randomBytes(100000));
    await expect(download(join(dir, 'remote'), '/dev/full', { recursive: false, preserve: false })).rejects.toMatchObject({
      message: '/dev/full: No space left on device',
    });
  });
});
