// openUnnamedFile: an O_TMPFILE file on this machine's file systems (ext4 for
// the temp dir, tmpfs for /dev/shm), the errors that pass through, and the
// answers that mean "make a named file instead".
import fs = require('node:fs');
import * as path from 'node:path';
import { openUnnamedFile } from '../../../lib/spool/unnamed-file';
import { UNNAMED_TARGET } from '../../helpers/open-files';
import { tempDirPerTest } from '../../helpers/temp-dir';
import { withoutUnnamedFiles } from '../../helpers/no-unnamed-files';

const tempDir = tempDirPerTest('scpipe-test-');

describe('openUnnamedFile', () => {
  it.each([
    ['the temp dir', () => tempDir()],
    ['/dev/shm', () => '/dev/shm'],
  ])('opens a private read-write file in %s that no directory lists and that is gone on close', async (_, where) => {
    const target = where();
    const before = fs.readdirSync(target);
    const fd = (await openUnnamedFile(target, 0o600))!;
    expect(fd).toEqual(expect.any(Number));
    try {
      expect(fs.readlinkSync(`/proc/self/fd/${fd}`)).toMatch(UNNAMED_TARGET);
      expect(fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith(`${target}/#`)).toBe(true);
      const stat = fs.fstatSync(fd);
      expect([stat.isFile(), stat.mode & 0o777, stat.nlink, stat.uid]).toEqual([true, 0o600, 0, process.getuid!()]);
      expect(fs.writeSync(fd, 'spooled', 0)).toBe(7);
      const back = Buffer.alloc(7);
      expect(fs.readSync(fd, back, 0, 7, 0)).toBe(7);
      expect(back.toString()).toBe('spooled');
      expect(fs.readdirSync(target)).toEqual(before);
    } finally {
      fs.closeSync(fd);
    }
    expect(fs.readdirSync(target)).toEqual(before);
  });

  it('rejects with ENOENT for a directory that does not exist, and ENOTDIR for a file', async () => {
    await expect(openUnnamedFile(path.join(tempDir(), 'missing'), 0o600)).rejects.toMatchObject({ code: 'ENOENT' });
    fs.writeFileSync(path.join(tempDir(), 'file'), '');
    await expect(openUnnamedFile(path.join(tempDir(), 'file'), 0o600)).rejects.toMatchObject({ code: 'ENOTDIR' });
  });

  it.each(['EISDIR', 'EOPNOTSUPP', 'ENOTSUP', 'EINVAL'])(
    'resolves null (make a named file instead) when the open fails with %s',
    async (code) => {
      withoutUnnamedFiles(code);
      await expect(openUnnamedFile(tempDir(), 0o600)).resolves.toBeNull();
    },
  );

  it('resolves null off Linux without trying', async () => {
    const open = jest.spyOn(fs, 'open');
    const real = Object.getOwnPropertyDescriptor(process, 'platform')!;
    Object.defineProperty(process, 'platform', { ...real, value: 'darwin' });
    try {
      await expect(openUnnamedFile(tempDir(), 0o600)).resolves.toBeNull();
    } finally {
      Object.defineProperty(process, 'platform', real);
    }
    expect(open).not.toHaveBeenCalled();
  });
});
