// The open flags of an append-only server: a new name is only ever created
// exclusively, and a write open never reaches a file that exists (but an
// upload's temporary file), even one stored under the name in the meantime.
import { constants } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { appendOnlyOpenFlags } from '../../../../lib/server/sftp/append-only';
import { STATUS } from '../../../../lib/server/sftp/wire';
import { tempDirPerTest } from '../../../helpers/temp-dir';

const dirOf = tempDirPerTest('scpipe-test-append-flags-');
const { O_WRONLY, O_CREAT, O_TRUNC, O_EXCL, O_NOFOLLOW } = constants;

describe('appendOnlyOpenFlags', () => {
  it('creates a new name exclusively, without following a link', async () => {
    const flags = await appendOnlyOpenFlags('/new', join(dirOf(), 'new'), O_WRONLY | O_CREAT | O_TRUNC);
    expect(flags & (O_EXCL | O_NOFOLLOW)).toBe(O_EXCL | O_NOFOLLOW);
  });

  it('answers a write open of a missing name without create as no such file, so a file stored there meanwhile is not opened', async () => {
    await expect(appendOnlyOpenFlags('/later', join(dirOf(), 'later'), O_WRONLY)).rejects.toMatchObject({
      status: STATUS.NO_SUCH_FILE,
      message: '/later: No such file or directory',
    });
  });

  it('refuses a write open of a name that exists, and reopens an upload\'s temporary file', async () => {
    const dir = dirOf();
    await writeFile(join(dir, 'stored'), 'x');
    await writeFile(join(dir, '.up.scpipe-AbCdE1'), 'x');
    await expect(appendOnlyOpenFlags('/stored', join(dir, 'stored'), O_WRONLY | O_CREAT | O_TRUNC)).rejects.toMatchObject({
      status: STATUS.PERMISSION_DENIED,
      message: '/stored: append-only server: it exists, and existing files are not written to',
    });
    expect((await appendOnlyOpenFlags('/.up.scpipe-AbCdE1', join(dir, '.up.scpipe-AbCdE1'), O_WRONLY)) & O_EXCL).toBe(0);
  });
});
