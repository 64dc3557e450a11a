// storeNew(): a finished upload moves onto a name that must be new; a name
// holding the same bytes counts as stored. The comparison may run without the
// caller's lock (serve's renames go on meanwhile), so what it compared must
// still be under the names once the lock is back, or it is compared again.
import { readFile, readdir, rename, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NameTaken, SourceChanged, storeNew, type Unlocked } from '../../../lib/fs/store-new';
import { tempDirPerTest } from '../../helpers/temp-dir';

const dirOf = tempDirPerTest('scpipe-test-store-new-');
let dir: string;
let from: string;
let to: string;
beforeEach(async () => {
  dir = dirOf();
  [from, to] = [join(dir, '.f.scpipe-AbCdE1'), join(dir, 'f')];
  await writeFile(from, 'the backup');
});

// An Unlocked that does `meanwhile` once, after the first comparison, before "taking the lock again".
function changing(meanwhile: () => Promise<void>): Unlocked & { steps: number } {
  const unlocked = async <T>(step: () => Promise<T>): Promise<T> => {
    const result = await step();
    if (unlocked.steps++ === 0) await meanwhile();
    return result;
  };
  unlocked.steps = 0;
  return unlocked;
}

describe('storeNew', () => {
  it('stores under a new name, and leaves no temporary file', async () => {
    expect(await storeNew(from, to)).toBe('stored');
    expect(await readdir(dir)).toEqual(['f']);
  });

  it('counts a name with the same bytes as stored, and one with other bytes of the same size as taken', async () => {
    await writeFile(to, 'the backup');
    expect(await storeNew(from, to)).toBe('identical');
    expect(await readdir(dir)).toEqual(['f']);
    await writeFile(from, 'the Backup');
    await expect(storeNew(from, to)).rejects.toBeInstanceOf(NameTaken);
    expect(await readFile(to, 'utf8')).toBe('the backup');
    expect((await readdir(dir)).sort()).toEqual(['.f.scpipe-AbCdE1', 'f']);
  });

  it('does not take a symbolic link at the name for the file it leads to', async () => {
    await writeFile(join(dir, 'same'), 'the backup');
    await symlink('same', to);
    await expect(storeNew(from, to)).rejects.toBeInstanceOf(NameTaken);
  });

  it('compares again when the name was given other bytes while it was compared, and refuses', async () => {
    await writeFile(to, 'the backup');
    // The same size: an upload still being written (its times told apart on any kernel's clock).
    const unlocked = changing(async () => {
      await writeFile(to, 'tHe bAckup');
      await utimes(to, 1_000_000_000, 1_000_000_000);
    });
    await expect(storeNew(from, to, { unlocked })).rejects.toBeInstanceOf(NameTaken);
    expect(unlocked.steps).toBe(2);
    expect(await readFile(from, 'utf8')).toBe('the backup');
    expect(await readFile(to, 'utf8')).toBe('tHe bAckup');
  });

  it('stores after all when the name went away while it was compared', async () => {
    await writeFile(to, 'the backup');
    expect(await storeNew(from, to, { unlocked: changing(() => rm(to)) })).toBe('stored');
    expect(await readdir(dir)).toEqual(['f']);
  });

  it('refuses, and removes nothing, when the file to store was replaced while it was compared', async () => {
    await writeFile(to, 'the backup');
    const other = join(dir, 'other');
    await writeFile(other, 'the backup');
    await expect(storeNew(from, to, { unlocked: changing(() => rename(other, from)) })).rejects.toBeInstanceOf(SourceChanged);
    expect((await readdir(dir)).sort()).toEqual(['.f.scpipe-AbCdE1', 'f']);
  });

  it('stops comparing once its signal aborts, and leaves both files', async () => {
    await writeFile(to, 'the backup');
    await expect(storeNew(from, to, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    expect((await readdir(dir)).sort()).toEqual(['.f.scpipe-AbCdE1', 'f']);
  });
});
