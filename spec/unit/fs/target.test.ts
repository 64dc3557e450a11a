// Target resolution (docs/protocol.md §4.3) and followLinks(), the one place that
// follows a dangling symlink: the local sink and the server's jail must agree
// on where open(O_CREAT) through a link writes, so both use it.
import { mkdir, realpath, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { followLinks, resolveTarget } from '../../../lib/fs/target';
import { tempDir } from './helpers';

// dir/
//   t/a/b/                 a directory
//   t/sub    -> <dir>/t/a/b
//   t/kernel -> sub/../../x        the kernel: t/a/b/../../x = t/x (lexically: dir/x)
//   t/deep   -> <dir>/o/inner
//   t/dotdot -> deep/../y          the kernel: o/y (lexically: t/y)
//   t/chain  -> kernel
//   t/nodir  -> missing/x
//   t/slash  -> new/
//   t/loop-a <-> t/loop-b
//   o/inner/
let dir: string;
let t: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  const made = await tempDir();
  cleanup = made.cleanup;
  dir = await realpath(made.dir);
  t = join(dir, 't');
  await mkdir(join(t, 'a', 'b'), { recursive: true });
  await mkdir(join(dir, 'o', 'inner'), { recursive: true });
  await writeFile(join(t, 'file'), 'x');
  const links: [string, string][] = [
    ['sub', join(t, 'a', 'b')],
    ['kernel', 'sub/../../x'],
    ['deep', join(dir, 'o', 'inner')],
    ['dotdot', 'deep/../y'],
    ['chain', 'kernel'],
    ['nodir', 'missing/x'],
    ['slash', 'new/'],
    ['loop-a', 'loop-b'],
    ['loop-b', 'loop-a'],
  ];
  for (const [name, to] of links) await symlink(to, join(t, name));
});
afterAll(() => cleanup());

describe('followLinks (where open(O_CREAT) writes)', () => {
  it('returns a path that is not a symlink as it is, existing or not', async () => {
    await expect(followLinks(join(t, 'file'))).resolves.toBe(join(t, 'file'));
    await expect(followLinks(join(t, 'new'))).resolves.toBe(join(t, 'new'));
  });

  it('applies `..` in a link after the links before it, as the kernel does', async () => {
    await expect(followLinks(join(t, 'kernel'))).resolves.toBe(join(t, 'x'));
    await expect(followLinks(join(t, 'dotdot'))).resolves.toBe(join(dir, 'o', 'y'));
    await expect(followLinks(join(t, 'chain'))).resolves.toBe(join(t, 'x'));
  });

  it('shows each real directory a link leads into, so a caller can refuse it', async () => {
    const seen: string[] = [];
    await followLinks(join(t, 'chain'), (d) => seen.push(d));
    expect(seen).toEqual([t, t]);
    const refusal = new Error('outside');
    await expect(followLinks(join(t, 'dotdot'), () => { throw refusal; })).rejects.toBe(refusal);
  });

  it('rejects as open() would: missing directory, trailing slash, loop', async () => {
    await expect(followLinks(join(t, 'nodir'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(followLinks(join(t, 'slash'))).rejects.toMatchObject({ code: 'EISDIR' });
    await expect(followLinks(join(t, 'loop-a'))).rejects.toMatchObject({ code: 'ELOOP' });
  });
});

describe('resolveTarget', () => {
  it('takes an existing directory, or a link to one, as the directory to write into', async () => {
    await expect(resolveTarget(`${t}/a//`)).resolves.toMatchObject({ path: join(t, 'a'), isDirectory: true });
    await expect(resolveTarget(join(t, 'sub'))).resolves.toMatchObject({ path: join(t, 'sub'), isDirectory: true });
  });

  it('follows a dangling target the kernel\'s way, not lexically (sub/../../x is t/x, not dir/x)', async () => {
    await expect(resolveTarget(join(t, 'kernel'))).resolves.toEqual({ path: join(t, 'x'), isDirectory: false });
    await expect(resolveTarget(join(t, 'dotdot'))).resolves.toEqual({ path: join(dir, 'o', 'y'), isDirectory: false });
  });

  it('refuses a target link that cannot be written through, naming the target', async () => {
    await expect(resolveTarget(join(t, 'nodir'))).rejects.toMatchObject({
      code: 'ERR_LOCAL_IO',
      message: `${join(t, 'nodir')}: No such file or directory`,
      path: join(t, 'nodir'),
    });
    await expect(resolveTarget(join(t, 'loop-a'))).rejects.toMatchObject({
      code: 'ERR_LOCAL_IO',
      message: `${join(t, 'loop-a')}: Too many levels of symbolic links`,
    });
  });
});
