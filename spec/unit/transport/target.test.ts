import { formatRemoteSpec, isRemoteSpec, parseRemoteSpec } from '../../../lib/transport/target';
import { thrown } from '../../helpers/async';

describe('parseRemoteSpec', () => {
  const table: Array<[string, ReturnType<typeof parseRemoteSpec>]> = [
    ['user@host:path', { user: 'user', host: 'host', path: 'path' }],
    ['host:path/to/file', { host: 'host', path: 'path/to/file' }],
    ['host:/abs/path', { host: 'host', path: '/abs/path' }],
    ['host:', { host: 'host', path: '' }],
    ['user@host:', { user: 'user', host: 'host', path: '' }],
    ['[::1]:path', { host: '::1', path: 'path' }],
    ['[::1]:', { host: '::1', path: '' }],
    ['user@[fe80::1%eth0]:path', { user: 'user', host: 'fe80::1%eth0', path: 'path' }],
    ['a@b@host:x', { user: 'a@b', host: 'host', path: 'x' }],
    ['host:a:b', { host: 'host', path: 'a:b' }],
    ['host:dir/with space', { host: 'host', path: 'dir/with space' }],
    ['@host:p', { host: 'host', path: 'p' }],
    // local paths
    ['./a:b', null],
    ['/x:y', null],
    ['dir/a:b', null],
    ['file', null],
    [':leading', null],
    ['', null],
    ['[::1]', null],
    ['[::1:path', null],
    ['[::1]/x:y', null],
  ];
  it.each(table)('%j', (arg, want) => {
    expect(parseRemoteSpec(arg)).toEqual(want);
    expect(isRemoteSpec(arg)).toBe(want !== null);
  });

  it('parses scp:// URIs', () => {
    expect(parseRemoteSpec('scp://u@h:2222/dir/f')).toEqual({ user: 'u', host: 'h', port: 2222, path: 'dir/f' });
    expect(parseRemoteSpec('scp://h//abs')).toEqual({ host: 'h', path: '/abs' });
    expect(parseRemoteSpec('scp://h')).toEqual({ host: 'h', path: '' });
    expect(parseRemoteSpec('scp://a%40b@[::1]:22/x%20y')).toEqual({ user: 'a@b', host: '::1', port: 22, path: 'x y' });
    expect(isRemoteSpec('scp://h/x')).toBe(true);
  });

  it.each(['user@:path', '[]:path', 'scp://u@:22/x', 'scp://h:99999/x', 'scp://h/%zz', 'scp://h/f%00.x', 'scp://u%00@h/x', 'scp://@h/x', 'scp://;fp=x@h/x', 'scp://h:/x'])('rejects %j', (arg) => {
    expect(thrown(() => parseRemoteSpec(arg)).code).toBe('ERR_USAGE');
  });

  it.each([
    [{ host: 'h', path: 'x' }, 'h:x'],
    [{ user: 'a@b', host: 'fe80::1%eth0', path: 'dir/f' }, 'a@b@[fe80::1%eth0]:dir/f'],
    [{ host: 'h', port: 2222, path: '' }, '-P 2222 h:'],
  ])('formats %j as %s, which parses back', (spec, want) => {
    expect(formatRemoteSpec(spec, spec.path)).toBe(want);
    const { port: _p, ...rest } = spec as { port?: number };
    expect(parseRemoteSpec(want.replace(/^-P \d+ /, ''))).toEqual(rest);
  });
});
