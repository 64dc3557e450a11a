import { remoteFileName } from '../../../lib/client/remote-name';

describe('remoteFileName', () => {
  it('takes the last part of the remote path', () => {
    expect(remoteFileName('backups/db.sql.zst')).toBe('db.sql.zst');
    expect(remoteFileName('/abs/x y')).toBe('x y');
    expect(remoteFileName('plain')).toBe('plain');
    expect(remoteFileName('~/f')).toBe('f');
    expect(remoteFileName('~a+b')).toBe('~a+b'); // quoted as a literal name, like quote.ts does
  });

  it.each(['', 'dir/', '.', '..', 'a/..', '~', '~backup', '/'])('asks for a name when %j names a directory', (path) => {
    expect(() => remoteFileName(path)).toThrow(expect.objectContaining({ code: 'ERR_USAGE', message: expect.stringContaining('--name') }));
  });

  it('uses and checks an explicit name', () => {
    expect(remoteFileName('dir/', 'x.bin')).toBe('x.bin');
    expect(() => remoteFileName('dir/', 'a/b')).toThrow(/"\/"/);
  });
});
