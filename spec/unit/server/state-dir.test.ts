// Where serve keeps --append-only's owners of uploads in progress by default.
import { defaultStateDir } from '../../../lib/server/state-dir';

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

  it('is a usage error naming --state-dir for a user with no home', () => {
    expect(() => defaultStateDir({}, 54321, noPasswd)).toThrow(expect.objectContaining({
      code: 'ERR_USAGE',
      message: expect.stringMatching(/^cannot tell where to keep the owners of uploads in progress \(~\/\.local\/state\/scpipe\): HOME is not set and .*; give a directory with --state-dir DIR \(or systemd's StateDirectory=\)$/),
    }));
  });
});
