// sendLocalPaths() + the source role against OpenSSH's own `scp -t` over
// pipes (docs/protocol.md §4.1): whole trees arrive as they are, and what cannot
// be sent is reported while the rest still arrives.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sendLocalPaths } from '../../lib/fs/local-source';
import { ScpSource } from '../../lib/protocol/source';
import { spawnChannel } from '../../lib/transport/child-channel';
import { KEPT_PROBLEMS } from '../../lib/util/kept-problems';
import { snapshotTree, tempDir } from '../unit/fs/helpers';

let dir: string;
let src: string;
let dst: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  src = join(dir, 'src');
  dst = join(dir, 'dst');
  await mkdir(src);
  await mkdir(dst);
});
afterEach(() => cleanup());

async function upload(paths: string[], opts: { recursive: boolean; preserve: boolean }): Promise<ScpSource> {
  const flags = [...(opts.recursive ? ['-r'] : []), ...(opts.preserve ? ['-p'] : []), '-t', dst];
  const source = new ScpSource(spawnChannel('scp', flags));
  await source.start();
  await sendLocalPaths(source, paths, opts);
  return source;
}

// A tree with nested and empty directories, empty files, spaces, odd modes
// (setuid, read-only) and distinct mtimes (set bottom-up: writing into a
// directory changes its mtime).
async function makeTree(root: string): Promise<void> {
  const files: [string, Buffer | string, number][] = [
    ['a.txt', randomBytes(100_000), 0o640],
    ['empty', '', 0o600],
    ['sp ace name.bin', 'abc', 0o755],
    ['suid', 'x', 0o4755],
    ['big', randomBytes(9 * 1024 * 1024 + 7), 0o644],
    ['sub/deeper/ro', 'read only', 0o444],
    ['sub/deeper/empty too', '', 0o644],
  ];
  await mkdir(join(root, 'sub/deeper'), { recursive: true });
  await mkdir(join(root, 'emptydir'));
  let t = 1_000_000_000;
  for (const [name, data, mode] of files) {
    await writeFile(join(root, name), data);
    await chmod(join(root, name), mode);
    await utimes(join(root, name), t, t++);
  }
  for (const [name, mode] of [['sub/deeper', 0o555], ['sub', 0o700], ['emptydir', 0o751], ['.', 0o750]] as const) {
    await chmod(join(root, name), mode);
    await utimes(join(root, name), t, t++);
  }
}

describe('sendLocalPaths vs OpenSSH scp -t', () => {
  it('copies a tree with -r -p: names, sizes, contents, modes and mtimes', async () => {
    await makeTree(join(src, 'tree'));
    const source = await upload([join(src, 'tree') + '/'], { recursive: true, preserve: true });
    await expect(source.finish()).resolves.toEqual({ code: 0, signal: null });
    expect(await readdir(dst)).toEqual(['tree']);
    expect(await snapshotTree(join(dst, 'tree'))).toEqual(await snapshotTree(join(src, 'tree')));
    const [top] = await snapshotTree(dst);
    expect(top).toMatchObject({ path: 'tree', mode: '0750', mtime: 1_000_000_010 }); // the last utimes() of makeTree
  });

  it('copies several files into a directory without -p (the remote umask applies)', async () => {
    await writeFile(join(src, 'one'), '1');
    await writeFile(join(src, 'two words'), '22');
    await chmod(join(src, 'one'), 0o4777);
    const source = await upload([join(src, 'one'), join(src, 'two words')], { recursive: false, preserve: false });
    await source.finish();
    const got = await snapshotTree(dst, { mtimes: false });
    expect(got.map((e) => [e.path, e.size])).toEqual([['one', 1], ['two words', 2]]);
    expect(got[0]!.mode).toBe((0o777 & ~process.umask()).toString(8).padStart(4, '0')); // setuid cleared by scp
  });

  it('reports what it cannot send; everything else still arrives and finish() rejects', async () => {
    const tree = join(src, 'tree');
    await mkdir(join(tree, 'sub'), { recursive: true });
    await writeFile(join(tree, 'good'), 'good');
    await writeFile(join(tree, 'sub', 'good too'), 'also good');
    await symlink('nowhere', join(tree, 'dangling'));
    await symlink('/dev/null', join(tree, 'devnull'));
    await symlink('..', join(tree, 'sub', 'loop'));
    execFileSync('mkfifo', [join(tree, 'fifo')]);
    const source = await upload([join(src, 'missing'), tree, '/dev/null'], { recursive: true, preserve: true });
    await expect(source.finish()).rejects.toMatchObject({
      code: 'ERR_LOCAL_IO',
      message: `${src}/missing: No such file or directory`,
      path: `${src}/missing`,
    });
    expect(source.problems.map((p) => p.message).sort()).toEqual(
      [
        `${src}/missing: No such file or directory`,
        `${tree}/dangling: No such file or directory`,
        `${tree}/devnull: not a regular file`,
        `${tree}/fifo: not a regular file`,
        `${tree}/sub/loop: directory loop (a symbolic link to a parent), not sent`,
        '/dev/null: not a regular file',
      ].sort(),
    );
    const got = await snapshotTree(join(dst, 'tree'), { mtimes: false });
    expect(got.map((e) => e.path)).toEqual(['good', 'sub', 'sub/good too']);
  });

  // A tree of 200,000 unreadable files held 200,000 errors (~160 MiB) to throw the first.
  it('keeps only the first problems of a tree with more FIFOs than that, says each, throws the first', async () => {
    const tree = join(src, 'tree');
    await mkdir(tree);
    const fifos = KEPT_PROBLEMS + 50;
    execFileSync('mkfifo', Array.from({ length: fifos }, (_, i) => join(tree, `p${String(i).padStart(3, '0')}`)));
    await writeFile(join(tree, 'good'), 'good');
    let said = 0;
    const source = new ScpSource(spawnChannel('scp', ['-r', '-t', dst]), { onProblem: () => void said++ });
    await source.start();
    await sendLocalPaths(source, [tree], { recursive: true, preserve: false });
    const first = source.problems[0];
    await expect(source.finish()).rejects.toBe(first);
    expect(said).toBe(fifos);
    expect(source.problems).toHaveLength(KEPT_PROBLEMS);
    expect(await readdir(join(dst, 'tree'))).toEqual(['good']);
  });

  it('refuses "." and a directory without -r, and goes on with the next item', async () => {
    await mkdir(join(src, 'd'));
    await writeFile(join(src, 'f'), 'f');
    const source = await upload(['.', join(src, 'd'), join(src, 'f')], { recursive: false, preserve: false });
    await expect(source.finish()).rejects.toMatchObject({ code: 'ERR_USAGE' });
    expect(source.problems.map((p) => p.message)).toEqual([
      '.: cannot send "." by name; name the files or directory inside',
      `${src}/d: not a regular file`,
    ]);
    expect(await readdir(dst)).toEqual(['f']);
  });
});
