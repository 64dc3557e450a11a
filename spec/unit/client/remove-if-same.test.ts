// The second name removeIfSame holds a stale lock under while it removes it: a run killed while
// holding it must not stop every later run from removing that lock (they would all be refused).
import { link, lstat, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeIfSame } from '../../../lib/client/remove-if-same';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scpipe-remove-if-same-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

test('removes the file it judged, and leaves no second name', async () => {
  const lock = join(dir, 'f.scpipe-lock');
  await writeFile(lock, '');
  expect(await removeIfSame(lock, await lstat(lock))).toBe(true);
  expect(await readdir(dir)).toEqual([]);
});

test('a second name left by a run killed over a minute ago is cleared, and the lock removed', async () => {
  const lock = join(dir, 'f.scpipe-lock');
  await writeFile(lock, '');
  const seen = await lstat(lock);
  await link(lock, `${lock}.${seen.ino.toString(36)}`); // what the killed run left
  expect(await removeIfSame(lock, seen, () => Date.now() + 61_000)).toBe(true);
  expect(await readdir(dir)).toEqual([]);
});

test('a second name made just now is another run at it: this one stands back', async () => {
  const lock = join(dir, 'f.scpipe-lock');
  await writeFile(lock, '');
  const seen = await lstat(lock);
  await link(lock, `${lock}.${seen.ino.toString(36)}`);
  expect(await removeIfSame(lock, seen)).toBe(false);
  expect((await readdir(dir)).sort()).toEqual(['f.scpipe-lock', `f.scpipe-lock.${seen.ino.toString(36)}`]);
});

test('a file made under the name since it was judged is not removed', async () => {
  const lock = join(dir, 'f.scpipe-lock');
  await writeFile(lock, '');
  const seen = await lstat(lock);
  await rm(lock);
  await writeFile(join(dir, 'other'), 'x'); // keeps the old inode number from being reused at once
  await writeFile(lock, 'live');
  expect(await removeIfSame(lock, seen)).toBe(false);
  expect(await readdir(dir)).toContain('f.scpipe-lock');
});
