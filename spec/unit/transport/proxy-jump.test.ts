import type { Client } from 'ssh2';
import { jumpTo, parseJumpHops, type HopConnection } from '../../../lib/transport/proxy-jump';
import { rejection } from '../../helpers/async';

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

describe('jumpTo: a jump host that never answers the channel open', () => {
  // A hung hop: its connect to the target never finishes (a target that drops SYNs).
  const hungHop = (): HopConnection & { dropped: number; closed: number } => {
    const hop = {
      dropped: 0,
      closed: 0,
      client: { forwardOut: () => undefined } as unknown as Client,
      close: () => void hop.closed++,
      drop: () => void hop.dropped++,
    };
    return hop;
  };

  it('gives up at once on an abort, with ERR_ABORTED, and ends the hop at once', async () => {
    const hop = hungHop();
    const controller = new AbortController();
    const started = performance.now();
    const going = jumpTo('jumphost', 'target', 22, 0, async () => hop, undefined, { ms: 60_000, said: '60 s' }, controller.signal);
    await new Promise((r) => setImmediate(r));
    controller.abort();
    const err = await rejection(going);
    expect(err.code).toBe('ERR_ABORTED');
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(hop.dropped).toBe(1);
    expect(hop.closed).toBe(0);
  });
});
