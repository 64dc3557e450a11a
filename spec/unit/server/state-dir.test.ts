// Where serve keeps --append-only's owners of uploads in progress by default,
// and what a refusal of it says.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultStateDir, prepareStateDir } from '../../../lib/server/state-dir';
import { tempDirPerTest } from '../../helpers/temp-dir';

const noPasswd = (): never => {
  throw Object.assign(new Error('no passwd entry'), { code: 'ENOENT' });
};

describe('defaultStateDir', () => {
  it('is /var/lib/scpipe for root, whatever HOME and XDG_STATE_HOME say', () => {
    expect(defaultStateDir({ HOME: '/root', XDG_STATE_HOME: '/x' }, 0)).toBe('/var/lib/scpipe');
  });

  it('is $XDG_STATE_HOME/scpipe for another user, when that is an absolute path, else ~/.local/state/scpipe', () => {
    expect(defaultStateDir({ HOME: '/home/b', XDG_STATE_HOME: '/state' }, 1000)).toBe('/state/scpipe');
    expect(defaultStateDir({ HOME: '/home/b', XDG_STATE_HOME: 'state' }, 1000)).toBe('/home/b/.local/state/scpipe');
  });

  it('is systemd\'s StateDirectory= where the service has one, for root too', () => {
    expect(defaultStateDir({ STATE_DIRECTORY: '/var/lib/scpipe-serve:/var/lib/other' }, 0)).toBe('/var/lib/scpipe-serve');
    expect(defaultStateDir({ STATE_DIRECTORY: '/var/lib/private/scpipe' }, 61234, () => {
      throw new Error('no passwd entry');
    })).toBe('/var/lib/private/scpipe');
  });

  it('is a usage error naming --state-dir and StateDirectory= for a user with no home', () => {
    expect(() => defaultStateDir({}, 54321, noPasswd)).toThrow(expect.objectContaining({
      code: 'ERR_USAGE',
      message: expect.stringMatching(/^cannot tell where to keep the owners of uploads in progress \(~\/\.local\/state\/scpipe\): HOME is not set and .*; give one with --state-dir DIR, or add StateDirectory=scpipe to the systemd unit that runs serve$/),
    }));
  });
});

describe('prepareStateDir refusing a directory it cannot make', () => {
  const local = tempDirPerTest('scpipe-test-state-dir-');

  // Under a file: ENOTDIR, which root meets as any user (EACCES would pass root by).
  async function underAFile(): Promise<{ dir: string; root: string }> {
    await writeFile(join(local(), 'file'), '');
    return { dir: join(local(), 'file', 'scpipe'), root: join(local(), 'root') };
  }

  it('names --state-dir as given', async () => {
    const { dir, root } = await underAFile();
    await expect(prepareStateDir(dir, root)).rejects.toMatchObject({ code: 'ERR_USAGE', path: dir, message: `bad --state-dir ${dir}: Not a directory` });
  });

  // A root without StateDirectory= under ProtectSystem=strict, a service user whose home it may not write.
  it('says how to give another when it is the default', async () => {
    const { dir, root } = await underAFile();
    await expect(prepareStateDir(dir, root, true)).rejects.toMatchObject({
      code: 'ERR_USAGE',
      path: dir,
      message: `cannot use the default state directory ${dir}: Not a directory; give one with --state-dir DIR, or add StateDirectory=scpipe to the systemd unit that runs serve`,
    });
  });
});
