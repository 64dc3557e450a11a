// realDirectory(): the one answer to "which real directory, and is it inside
// the root", for `..` after a link and for SFTP's link directories alike.
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Jail } from '../../../lib/server/jail';
import { LEADS_OUTSIDE, realDirectory } from '../../../lib/server/real-directory';

// base/root/a/b, base/root/file, base/outdir, base/outfile;
// root/inner -> a/b, root/up -> .., root/outdir -> ../outdir, root/outfile -> base/outfile, root/loop -> loop
let base: string;
let root: string;
let jail: Jail;
beforeAll(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), 'scpipe-test-realdir-')));
  root = join(base, 'root');
  await mkdir(join(root, 'a', 'b'), { recursive: true });
  await mkdir(join(base, 'outdir'));
  await writeFile(join(root, 'file'), 'x');
  await writeFile(join(base, 'outfile'), 'x');
  await symlink('a/b', join(root, 'inner'));
  await symlink('..', join(root, 'up'));
  await symlink('../outdir', join(root, 'outdir'));
  await symlink(join(base, 'outfile'), join(root, 'outfile'));
  await symlink('loop', join(root, 'loop'));
  jail = new Jail(root);
});
afterAll(() => rm(base, { recursive: true, force: true }));

it('answers the real path of a directory inside, through links, the root itself included', async () => {
  expect(await realDirectory(jail, join(root, 'inner'))).toBe(join(root, 'a', 'b'));
  expect(await realDirectory(jail, join(root, 'a'))).toBe(join(root, 'a'));
  expect(await realDirectory(jail, root)).toBe(root);
});

it('answers LEADS_OUTSIDE for anything outside, a file there as a directory, without looking further', async () => {
  expect(await realDirectory(jail, join(root, 'up'))).toBe(LEADS_OUTSIDE);
  expect(await realDirectory(jail, join(root, 'outdir'))).toBe(LEADS_OUTSIDE);
  expect(await realDirectory(jail, join(root, 'outfile'))).toBe(LEADS_OUTSIDE);
});

it('rejects with the system error for a file inside, a missing name or a loop', async () => {
  await expect(realDirectory(jail, join(root, 'file'))).rejects.toMatchObject({ code: 'ENOTDIR' });
  await expect(realDirectory(jail, join(root, 'nothere'))).rejects.toMatchObject({ code: 'ENOENT' });
  await expect(realDirectory(jail, join(root, 'loop'))).rejects.toMatchObject({ code: 'ELOOP' });
});
