import { PassThrough } from 'node:stream';
import { onWindowOpened } from '../../../lib/transport/window-opened';

describe('onWindowOpened: the peer adding room to an ssh2 channel send window', () => {
  it('is told of each rise of outgoing.window (an adjust), not of the fall as data is sent', () => {
    const channel = { outgoing: { id: 0, window: 2 << 20 } };
    let opened = 0;
    expect(onWindowOpened(channel, () => opened++)).toBe(true);
    channel.outgoing.window -= 1 << 20; // data sent
    channel.outgoing.window = 0;
    expect(opened).toBe(0);
    channel.outgoing.window += 96 << 10; // CHANNEL_WINDOW_ADJUST
    channel.outgoing.window += 96 << 10;
    expect(opened).toBe(2);
    expect(channel.outgoing.window).toBe(192 << 10);
    expect(Object.keys(channel.outgoing)).toEqual(['id', 'window']);
  });

  it('another stream (a pipe to ssh) or an unexpected shape is left as it is', () => {
    expect(onWindowOpened(new PassThrough(), () => undefined)).toBe(false);
    expect(onWindowOpened({ outgoing: { window: '2' } }, () => undefined)).toBe(false);
    expect(onWindowOpened(null, () => undefined)).toBe(false);
  });
});
