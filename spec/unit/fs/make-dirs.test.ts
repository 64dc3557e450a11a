import { mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeDirs } from '../../../lib/fs/make-dirs';
import { tempDirPerTest } from '../../helpers/temp-dir';

const local = tempDirPerTest('scpipe-test-makedirs-');

describe('makeDirs', () => {
  it('makes every missing level with the mode, and leaves one that is there', async () => {
    mkdirSync(join(local(), 'a'), { mode: 0o755 });
    await makeDirs(join(local(), 'a', 'b', 'c'), 0o700);
    expect(statSync(join(local(), 'a')).mode & 0o777).toBe(0o755);
    expect(statSync(join(local(), 'a', 'b')).mode & 0o777).toBe(0o700);
    expect(statSync(join(local(), 'a', 'b', 'c')).mode & 0o777).toBe(0o700);
    await makeDirs(join(local(), 'a', 'b', 'c'), 0o700);
  });

  it('fails with the errno the kernel gives: a file in the way is ENOTDIR, as for mkdir -p', async () => {
    writeFileSync(join(local(), 'file'), '');
    await expect(makeDirs(join(local(), 'file', 'x', 'y'), 0o700)).rejects.toMatchObject({ code: 'ENOTDIR' });
  });

  it('takes a link to a directory, and refuses a file or a dangling link where a directory goes', async () => {
    mkdirSync(join(local(), 'real'));
    symlinkSync('real', join(local(), 'link'));
    await makeDirs(join(local(), 'link', 'sub'), 0o700);
    expect(statSync(join(local(), 'real', 'sub')).isDirectory()).toBe(true);
    writeFileSync(join(local(), 'file'), '');
    await expect(makeDirs(join(local(), 'file'), 0o700)).rejects.toMatchObject({ code: 'EEXIST' });
    symlinkSync('gone', join(local(), 'dangling'));
    await expect(makeDirs(join(local(), 'dangling', 'sub'), 0o700)).rejects.toMatchObject({ code: 'ENOENT', path: join(local(), 'dangling') });
  });
});
