// A held directory (dir-handle.ts): its entries are named through the open
// directory, so a swap of its path for a symlink changes nothing for it.
import { readdirSync } from 'node:fs';
import { lstat, mkdir, readFile, rename, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DirHandle, holdDirectory } from '../../../lib/fs/dir-handle';
import { tempDir } from './helpers';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(() => cleanup());

it('names its entries in the directory it opened, after that path became a link', async () => {
  await mkdir(join(dir, 'd'));
  await mkdir(join(dir, 'elsewhere'));
  const d = await DirHandle.open(join(dir, 'd'), { follow: false });
  try {
    await rename(join(dir, 'd'), join(dir, 'moved'));
    await symlink(join(dir, 'elsewhere'), join(dir, 'd'));
    await writeFile(d.at('f'), 'x');
    expect(d.shown('f')).toBe(join(dir, 'd', 'f'));
    expect(await readFile(join(dir, 'moved', 'f'), 'utf8')).toBe('x');
    expect(readdirSync(join(dir, 'elsewhere'))).toEqual([]);
  } finally {
    await d.close();
  }
  expect(d.at('f')).toBe(join(dir, 'd', 'f')); // closed: by name, never a number another file took
});

it('holdDirectory refuses a link or another directory where the one checked was', async () => {
  await mkdir(join(dir, 'd'));
  const checked = await lstat(join(dir, 'd'));
  await rename(join(dir, 'd'), join(dir, 'moved'));
  await mkdir(join(dir, 'd'));
  expect(await holdDirectory(join(dir, 'd'), join(dir, 'd'), checked)).toEqual({ error: `${join(dir, 'd')}: not written into: another directory took its place` });
  await symlink(join(dir, 'moved'), join(dir, 'l'));
  expect(await holdDirectory(join(dir, 'l'), join(dir, 'l'))).toEqual({ error: `${join(dir, 'l')}: not written into: Not a directory` });
});

it('follows a link the user named, and sets the mode of the directory itself', async () => {
  await mkdir(join(dir, 'real'));
  await symlink(join(dir, 'real'), join(dir, 'named'));
  const d = await DirHandle.open(join(dir, 'named'), { follow: true, same: await stat(join(dir, 'named')) });
  try {
    await d.chmod(0o700);
    expect((await stat(join(dir, 'real'))).mode & 0o777).toBe(0o700);
  } finally {
    await d.close();
  }
});
