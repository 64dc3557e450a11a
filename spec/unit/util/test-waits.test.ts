import { testWaitMs } from '../../../lib/internal';
import { GRACE_MS } from '../../../cli/signals';

const KEY = 'SCPIPE_TEST_GRACE_MS';
afterEach(() => {
  delete process.env[KEY];
});

it('without its variable a wait is the documented one', () => {
  expect(process.env[KEY]).toBeUndefined();
  expect(testWaitMs('GRACE_MS', 10_000)).toBe(10_000);
  expect(GRACE_MS).toBe(10_000); // docs/failures.md: the grace after a signal
});

it('its variable shortens it, and never lengthens it', () => {
  process.env[KEY] = '2000';
  expect(testWaitMs('GRACE_MS', 10_000)).toBe(2000);
  process.env[KEY] = '60000';
  expect(testWaitMs('GRACE_MS', 10_000)).toBe(10_000);
});

it.each(['', '0', '-5', '1.5', '2s', ' 2000'])('%j is no number of milliseconds: the wait stays', (raw) => {
  process.env[KEY] = raw;
  expect(testWaitMs('GRACE_MS', 10_000)).toBe(10_000);
});
