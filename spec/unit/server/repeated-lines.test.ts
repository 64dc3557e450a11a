import { REPEATS_SAID, REPEAT_WINDOW_MS, RepeatedLines } from '../../../lib/server/repeated-lines';

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

it('logs the first REPEATS_SAID of a kind from an address, then one line counting the rest when the minute ends', () => {
  const log: string[] = [];
  const r = new RepeatedLines((l) => log.push(l));
  for (let i = 0; i < 25; i++) r.line('203.0.113.9', 'refused an interactive shell', `shell ${i}`);
  r.line('203.0.113.9', 'drop connection', 'drop 0');
  r.line('192.0.2.7', 'refused an interactive shell', 'other 0');
  expect(log).toHaveLength(REPEATS_SAID + 2);
  jest.advanceTimersByTime(REPEAT_WINDOW_MS);
  expect(log.slice(REPEATS_SAID + 2)).toEqual(['15 more like this from 203.0.113.9 in the last minute: refused an interactive shell']);
  // A new minute starts afresh.
  r.line('203.0.113.9', 'refused an interactive shell', 'shell again');
  expect(log.at(-1)).toBe('shell again');
});

it('flush() says what is counted at once (serve stops), and leaves no timer', () => {
  const log: string[] = [];
  const r = new RepeatedLines((l) => log.push(l));
  for (let i = 0; i < REPEATS_SAID + 3; i++) r.line('::1', 'refused a session', 's');
  r.flush();
  expect(log.at(-1)).toBe('3 more like this from ::1 in the last minute: refused a session');
  expect(jest.getTimerCount()).toBe(0);
});
