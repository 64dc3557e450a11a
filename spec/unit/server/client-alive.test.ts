// serve --client-alive-interval: the options ssh2's Server is given.
import { clientAliveOptions } from '../../../lib/server/client-alive';

test('off (0) gives ssh2 no keepalive', () => {
  expect(clientAliveOptions({ clientAliveIntervalMs: 0, clientAliveCountMax: 3 })).toEqual({});
});

test('an interval is passed as given, a count of 0 as never', () => {
  expect(clientAliveOptions({ clientAliveIntervalMs: 15_000, clientAliveCountMax: 3 })).toEqual({ keepaliveInterval: 15_000, keepaliveCountMax: 3 });
  expect(clientAliveOptions({ clientAliveIntervalMs: 15_000, clientAliveCountMax: 0 }).keepaliveCountMax).toBe(Number.MAX_SAFE_INTEGER);
});

test('over 24.8 days (3000000 s) asks that rarely, not every millisecond as a timer given more would', () => {
  for (const s of [3_000_000, 30 * 86_400, 9_999_999_999]) {
    expect(clientAliveOptions({ clientAliveIntervalMs: s * 1000, clientAliveCountMax: 3 }).keepaliveInterval).toBe(2 ** 31 - 1);
  }
});
