import { testLowered } from '../../../lib/internal';
import { GRACE_MS } from '../../../cli/signals';
import { TOUCH_AFTER_MS } from '../../../lib/client/sftp-keep-fresh';
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../../../lib/transport/handshake-bounds';
import { RECONNECT_TIMEOUT_S } from '../../../lib/transport/openssh-defaults';
import { MAX_ENTRIES } from '../../../lib/sftp/listing';
import { REPEAT_WINDOW_MS } from '../../../lib/server/repeated-lines';

const KEY = 'SCPIPE_TEST_GRACE_MS';
const KEYS = [KEY, 'SCPIPE_TEST_TOUCH_AFTER_MS', 'SCPIPE_TEST_CONNECT_TIMEOUT_MS', 'SCPIPE_TEST_MIN_LOGIN_MS', 'SCPIPE_TEST_MAX_ENTRIES', 'SCPIPE_TEST_REPEAT_WINDOW_MS'];
afterEach(() => {
  for (const k of KEYS) delete process.env[k];
});

it('without its variable a wait or bound is the documented one', () => {
  for (const k of KEYS) expect(process.env[k]).toBeUndefined();
  expect(testLowered('GRACE_MS', 10_000)).toBe(10_000);
  expect(GRACE_MS).toBe(10_000); // docs/failures.md: the grace after a signal
  expect(TOUCH_AFTER_MS).toBe(30_000); // a quarter of STALE_AFTER_S (docs/protocol.md)
  // docs/failures.md; the least a login is given (20 s) is pinned by handshake-clock.test.ts
  expect(DEFAULT_CONNECT_TIMEOUT_MS).toBe(30_000);
  expect(RECONNECT_TIMEOUT_S).toBe(30);
  expect(MAX_ENTRIES).toBe(1_000_000); // a listing's bound (docs/protocol.md)
  expect(REPEAT_WINDOW_MS).toBe(60_000); // repeated log lines are summed up a minute at a time (docs/serve.md)
});

it('its variable shortens it, and never lengthens it', () => {
  process.env[KEY] = '2000';
  expect(testLowered('GRACE_MS', 10_000)).toBe(2000);
  process.env[KEY] = '60000';
  expect(testLowered('GRACE_MS', 10_000)).toBe(10_000);
  process.env.SCPIPE_TEST_MAX_ENTRIES = '40000';
  expect(testLowered('MAX_ENTRIES', 1_000_000)).toBe(40_000);
});

it.each(['', '0', '-5', '1.5', '2s', ' 2000'])('%j is no number of milliseconds: the wait stays', (raw) => {
  process.env[KEY] = raw;
  expect(testLowered('GRACE_MS', 10_000)).toBe(10_000);
});
