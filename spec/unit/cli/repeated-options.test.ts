import { lastValueWins } from '../../../cli/last-wins';
import { connectOptions } from '../../../cli/ssh-options';
import { parseRemoteSpec } from '../../../lib/transport/target';

describe('a repeated option', () => {
  it('takes its last value, except the lists (-i, -o, positionals)', () => {
    const args: Record<string, unknown> = {
      _: ['put'],
      memory: ['1K', '2K'],
      'spool-dir': ['/a', '/b'],
      v: [true, true],
      i: ['k1', 'k2'],
      identity: ['k1', 'k2'],
      o: ['Port=1', 'User=x'],
      paths: ['a', 'b'],
      q: false,
    };
    lastValueWins(args);
    expect(args).toEqual({
      _: ['put'],
      memory: '2K',
      'spool-dir': '/b',
      v: true,
      i: ['k1', 'k2'],
      identity: ['k1', 'k2'],
      o: ['Port=1', 'User=x'],
      paths: ['a', 'b'],
      q: false,
    });
  });
});

describe('-P', () => {
  const base = { q: false, v: false, quote: 'posix' as const, 'scp-path': 'scp', transport: 'ssh2' as const };
  const spec = parseRemoteSpec('host:f')!;

  it.each([['22', 22], ['1', 1], ['65535', 65535], ['0022', 22]])('takes %j as port %d', (text, port) => {
    expect(connectOptions(spec, { ...base, P: text }).port).toBe(port);
  });

  it.each(['0', '65536', '', '22x', '-1', '1e3', ' 22', '2\x1b[2J'])('refuses %j with ERR_USAGE', (text) => {
    expect(() => connectOptions(spec, { ...base, P: text })).toThrow(expect.objectContaining({ code: 'ERR_USAGE' }));
  });

  it('escapes what it shows', () => {
    expect(() => connectOptions(spec, { ...base, P: '2\x1b[2J' })).toThrow('bad port "2\\x1b[2J"');
  });
});
