import { parseJumpHops } from '../../../lib/transport/proxy-jump';

describe('parseJumpHops', () => {
  it('reads [user@]host[:port] lists, ssh:// URIs and [IPv6]', () => {
    expect(parseJumpHops('bastion')).toEqual([{ host: 'bastion' }]);
    expect(parseJumpHops('ops@b1:2222,ssh://b2,[::1]:22,u@[fe80::1]')).toEqual([
      { user: 'ops', host: 'b1', port: 2222 }, { host: 'b2' }, { host: '::1', port: 22 }, { user: 'u', host: 'fe80::1' },
    ]);
  });

  it.each(['', 'a,,b', 'h:0', 'h:70000', 'h:x', 'a b'])('refuses %j', (spec) => {
    expect(() => parseJumpHops(spec)).toThrow(expect.objectContaining({ code: 'ERR_USAGE' }));
  });
});
