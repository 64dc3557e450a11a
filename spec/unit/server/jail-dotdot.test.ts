import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Jail } from '../../../lib/server/jail';
import { locate } from '../../../lib/server/jail-dotdot';

// root/backups/day/db, root/latest -> backups/day, root/up -> .., root/loop -> loop
let root: string;
let jail: Jail;
beforeAll(async () => {
  root = await realpath(await mkdtemp(join(tmpdir(), 'scpipe-test-dotdot-')));
  await mkdir(join(root, 'backups', 'day'), { recursive: true });
  await writeFile(join(root, 'backups', 'day', 'db'), 'x');
  await symlink('backups/day', join(root, 'latest'));
  await symlink('..', join(root, 'up'));
  await symlink('loop', join(root, 'loop'));
  jail = new Jail(root);
});
afterAll(() => rm(root, { recursive: true, force: true }));

it('takes .. after the links before it, clamped at the root', async () => {
  expect(await locate(jail, 'latest/../day/db')).toBe(join(root, 'backups/day/db'));
  expect(await locate(jail, '/../../latest/..')).toBe(join(root, 'backups'));
  expect(await locate(jail, 'latest/../../../x/.')).toBe(join(root, 'x'));
});

it('a path without .. is resolve()d, the filesystem not asked: even a root that is gone answers', async () => {
  const gone = new Jail(join(root, 'no-such-root'));
  expect(await locate(gone, 'a/./b/')).toBe(join(root, 'no-such-root/a/b'));
  await expect(locate(gone, 'a/..')).rejects.toThrow('/a: No such file or directory');
});

it('refuses a name before .. that leads outside, is missing, not a directory or a loop', async () => {
  await expect(locate(jail, 'up/../x')).rejects.toMatchObject({ code: 'ERR_UNSAFE_NAME', message: expect.stringContaining('/up: Permission denied') });
  await expect(locate(jail, 'nothere/..')).rejects.toThrow('/nothere: No such file or directory');
  await expect(locate(jail, 'latest/db/..')).rejects.toThrow('/latest/db: Not a directory');
  await expect(locate(jail, 'loop/..')).rejects.toThrow('/loop: Too many levels of symbolic links');
  await expect(locate(jail, 'a\0/..')).rejects.toMatchObject({ code: 'ERR_UNSAFE_NAME' });
});
