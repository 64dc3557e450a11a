// serve looks for uploads' left-over temporary files again every
// --leftover-check-interval. setTimeout() holds at most 2^31-1 ms (24.8
// days) and runs a longer wait after 1 ms: a monthly interval must not
// become a look run back to back, walking the whole root without end.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { watchLeftovers } from '../../../lib/server/leftovers';

const DAY_MS = 86_400_000;
let root: string;
let stop: AbortController;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'scpipe-test-leftover-interval-'));
  stop = new AbortController();
  jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
});
afterEach(async () => {
  stop.abort();
  jest.useRealTimers();
  await rm(root, { recursive: true, force: true });
});

// Until the look under way has walked the (empty) root and set its next one: I/O, not timers.
async function nextLookSet(): Promise<void> {
  for (let i = 0; i < 10_000 && jest.getTimerCount() === 0; i++) await new Promise((r) => setImmediate(r));
  expect(jest.getTimerCount()).toBe(1);
}

it.each([30, 100])('an interval of %i days: the next look comes after that many days, not at once', async (days) => {
  let looks = 0;
  watchLeftovers(root, () => undefined, stop.signal, days * DAY_MS, async () => void looks++);
  await nextLookSet();
  expect(looks).toBe(1);
  await jest.advanceTimersByTimeAsync(days * DAY_MS - 1_000);
  expect(looks).toBe(1);
  await jest.advanceTimersByTimeAsync(1_000);
  expect(looks).toBe(2);
  await nextLookSet();
});

it('an interval of Infinity (a library caller): looked at start only', async () => {
  let looks = 0;
  watchLeftovers(root, () => undefined, stop.signal, Infinity, async () => void looks++);
  await nextLookSet();
  await jest.advanceTimersByTimeAsync(365 * DAY_MS);
  expect(looks).toBe(1);
});
