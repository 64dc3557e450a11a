// Bytes from the server answer ssh2's keepalives (ServerAliveInterval as ssh
// counts it), also after the wall clock is stepped back (NTP, a resumed VM):
// measured by the wall clock, an hour's step back kept every reset away for an
// hour, and a live transfer was cut after ServerAliveCountMax intervals.
import { PassThrough } from 'node:stream';
import type { Client } from 'ssh2';
import { aliveWhileReceiving } from '../../../lib/transport/ssh2-keepalive';
import { waitFor } from '../../helpers/async';

afterEach(() => jest.restoreAllMocks());

describe('aliveWhileReceiving', () => {
  it('resets the keepalive count on data after the wall clock steps back an hour', async () => {
    const resets = jest.fn();
    const client = { _resetKA: resets } as unknown as Client;
    const sock = new PassThrough();
    aliveWhileReceiving(client, sock, 20); // a reset at most every 10 ms
    const real = Date.now.bind(Date);
    let step = 0;
    jest.spyOn(Date, 'now').mockImplementation(() => real() + step);
    sock.emit('data', Buffer.from('x'));
    expect(resets).toHaveBeenCalledTimes(1);
    step = -3_600_000;
    await waitFor(() => {
      sock.emit('data', Buffer.from('x'));
      return resets.mock.calls.length >= 2;
    }, 'a second reset', 2_000);
  });

  it('resets at most once per half interval, not per chunk', () => {
    const resets = jest.fn();
    const sock = new PassThrough();
    aliveWhileReceiving({ _resetKA: resets } as unknown as Client, sock, 60_000);
    for (let i = 0; i < 100; i++) sock.emit('data', Buffer.from('x'));
    expect(resets).toHaveBeenCalledTimes(1);
  });
});
