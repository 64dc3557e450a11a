import { homeDirectory, localUsername, noUserName } from '../../../lib/util/home';

const entry = () => ({ username: 'backup', homedir: '/home/backup' });
const none = (): never => {
  throw Object.assign(new Error('A system error occurred: uv_os_get_passwd returned ENOENT (no such file or directory)'), { code: 'ERR_SYSTEM_ERROR' });
};

describe('homeDirectory', () => {
  it('takes an absolute HOME', () => {
    expect(homeDirectory({ HOME: '/srv/private' }, entry)).toBe('/srv/private');
  });

  it('takes the passwd entry for an empty or relative HOME, not the current directory', () => {
    // HOME= made ~/.ssh/config ./.ssh/config, and ran its ProxyCommand.
    expect(homeDirectory({ HOME: '' }, entry)).toBe('/home/backup');
    expect(homeDirectory({ HOME: '.' }, entry)).toBe('/home/backup');
    expect(homeDirectory({}, entry)).toBe('/home/backup');
  });

  it('without HOME nor a passwd entry (a container with an arbitrary uid) is ERR_CONFIG saying so', () => {
    const uid = process.getuid!();
    expect(() => homeDirectory({}, none)).toThrow(expect.objectContaining({
      code: 'ERR_CONFIG',
      message: `cannot tell the home directory for ~/.ssh: HOME is not set and uid ${uid} has no home in the passwd file; set HOME`,
    }));
    expect(() => homeDirectory({ HOME: 'x\x1b[2J' }, none)).toThrow(expect.objectContaining({
      message: `cannot tell the home directory for ~/.ssh: HOME is "x\\x1b[2J", not an absolute path and uid ${uid} has no home in the passwd file; set HOME`,
    }));
  });
});

describe('localUsername', () => {
  it('is the passwd entry, else USER, else LOGNAME, else empty', () => {
    expect(localUsername({ USER: 'other' }, entry)).toBe('backup');
    expect(localUsername({ USER: 'u', LOGNAME: 'l' }, none)).toBe('u');
    expect(localUsername({ LOGNAME: 'l' }, none)).toBe('l');
    expect(localUsername({}, none)).toBe('');
  });

  it('has an ERR_CONFIG for the empty case that says to give user@host', () => {
    expect(noUserName('vault')).toMatchObject({
      code: 'ERR_CONFIG',
      message: `no user name to log in to vault as: uid ${process.getuid!()} has no passwd entry and USER is not set; give user@host`,
    });
  });
});
