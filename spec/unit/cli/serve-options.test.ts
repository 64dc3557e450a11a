import { parseListenAddress } from '../../../cli/commands/serve';

describe('serve --addr', () => {
  it.each([
    ['127.0.0.1:2022', { host: '127.0.0.1', port: 2022 }],
    ['[::1]:2022', { host: '::1', port: 2022 }],
    [':0', { host: '127.0.0.1', port: 0 }],
  ])('takes %j', (text, addr) => {
    expect(parseListenAddress(text)).toEqual(addr);
  });

  it.each(['127.0.0.1', '127.0.0.1:', 'h:65536', 'h:x', 'bob@0.0.0.0:2022'])('refuses %j', (text) => {
    expect(() => parseListenAddress(text)).toThrow(expect.objectContaining({ code: 'ERR_USAGE', message: expect.stringContaining('bad --addr') }));
  });
});
