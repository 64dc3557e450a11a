// ConnectTimeout in seconds, as ssh_config(5) takes it: one over 24.8 days
// (setTimeout()'s most, 2^31-1 ms) ran out after 1 ms, so `-o
// ConnectTimeout=3000000` said "Connection timed out" at once.
import { createServer, type Server } from 'node:net';
import { HandshakeClock } from '../../../lib/transport/handshake-clock';
import { connectTcp } from '../../../lib/transport/tcp';

const DAY_MS = 86_400_000;
const MAX_TIMER_MS = 2 ** 31 - 1;

describe('the SSH set-up bounded by a ConnectTimeout of 30 days', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs out after 30 days, not after 1 ms', () => {
    const expired = jest.fn();
    const clock = new HandshakeClock([{ ms: 30 * DAY_MS, phases: ['banner', 'kex'], error: () => new Error('connect') }], expired);
    clock.enter('banner');
    jest.advanceTimersByTime(1_000);
    clock.enter('kex');
    jest.advanceTimersByTime(30 * DAY_MS - 2_000);
    expect(expired).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1_000);
    expect(expired).toHaveBeenCalledTimes(1);
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('the TCP connect bounded by a ConnectTimeout of 30 days', () => {
  let server: Server;
  beforeEach(async () => {
    server = createServer((s) => s.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await new Promise((resolve) => server.close(resolve));
  });

  it('arms no timer longer than setTimeout() keeps (which would fire after 1 ms)', async () => {
    const timers = jest.spyOn(global, 'setTimeout');
    const port = (server.address() as { port: number }).port;
    const sock = await connectTcp('127.0.0.1', port, 30 * DAY_MS);
    sock.destroy();
    const delays = timers.mock.calls.map((call) => call[1] ?? 0);
    expect(delays.length).toBeGreaterThan(0);
    expect(delays.filter((ms) => ms > MAX_TIMER_MS)).toEqual([]);
  });
});
