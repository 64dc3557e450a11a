import { joinName } from '../../../lib/fs/join-name';

describe('joinName (OpenSSH targ + "/" + name)', () => {
  it.each([
    ['/', 'f', '/f'],
    ['/srv', 'f', '/srv/f'],
    ['dir/', 'f', 'dir/f'],
    ['.', '..x', './..x'],
    ['/a/..', 'f', '/a/../f'], // not normalised: the caller checks what it joins
  ])('%s + %s = %s', (dir, name, want) => {
    expect(joinName(dir, name)).toBe(want);
  });
});
