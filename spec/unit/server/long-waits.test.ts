// serve's waits given by its options: --stop-timeout for the transfers in
// progress at a stop, --login-grace-time for a login, --auth-failure-delay
// before a wrong password is answered. A wait over
// setTimeout()'s 2^31-1 ms (24.8 days: `--stop-timeout 9999999` for "let
// them finish") ran after 1 ms: transfers cut at once, every login dropped.
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { AuthContext } from 'ssh2';
import { LoginAttempts } from '../../../lib/server/auth-limits';
import { ConnectionGate, type ConnectionLimits } from '../../../lib/server/connection-limits';
import { settleWithin } from '../../../lib/server/draining';
import { answerLogin } from '../../../lib/server/login';

const DAY_MS = 86_400_000;
beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] }));
afterEach(() => jest.useRealTimers());

it.each([30, 200])('a wait of %i days holds until then, not 1 ms', async (days) => {
  let settled: boolean | undefined;
  void settleWithin(new Promise(() => undefined), days * DAY_MS).then((s) => (settled = s));
  await jest.advanceTimersByTimeAsync(days * DAY_MS - 1_000);
  expect(settled).toBeUndefined();
  await jest.advanceTimersByTimeAsync(1_000);
  expect(settled).toBe(false);
});

it('work that ends within a long wait settles it as finished, and leaves no timer', async () => {
  let finish!: () => void;
  const work = new Promise<void>((resolve) => (finish = resolve));
  const outcome = settleWithin(work, 100 * DAY_MS);
  await jest.advanceTimersByTimeAsync(40 * DAY_MS);
  finish();
  expect(await outcome).toBe(true);
  expect(jest.getTimerCount()).toBe(0);
});

it('--login-grace-time of 30 days: a connection not yet logged in is dropped after 30 days, not after 1 ms', async () => {
  const limits: ConnectionLimits = { loginGraceMs: 30 * DAY_MS, maxStartups: { start: 10, rate: 30, full: 100 }, maxPerAddress: 10, maxSessions: 10, maxConnectionsPerKey: 10, clientAliveIntervalMs: 0, clientAliveCountMax: 3 };
  let dropped = 0;
  const socket = Object.assign(new EventEmitter(), { destroy: () => void dropped++ }) as unknown as Socket;
  expect(typeof new ConnectionGate(limits).admit(socket, '10.0.0.1', () => undefined)).toBe('object');
  await jest.advanceTimersByTimeAsync(30 * DAY_MS - 1_000);
  expect(dropped).toBe(0);
  await jest.advanceTimersByTimeAsync(1_000);
  expect(dropped).toBe(1);
});

it('--auth-failure-delay of 30 days: a wrong password is answered after 30 days, not after 1 ms', async () => {
  let refused = 0;
  const ctx = { method: 'password', username: 'backup', password: 'wrong', reject: () => void refused++, accept: () => undefined } as unknown as AuthContext;
  const attempts = new LoginAttempts({ maxAuthTries: 6, failureDelayMs: 30 * DAY_MS }, { ip: '10.0.0.1', port: 2222 }, () => undefined);
  answerLogin(ctx, { auth: { user: 'backup', password: 'right' }, attempts, ip: '10.0.0.1', log: () => undefined, live: () => true, end: () => undefined });
  await jest.advanceTimersByTimeAsync(30 * DAY_MS - 1_000);
  expect(refused).toBe(0);
  await jest.advanceTimersByTimeAsync(1_000);
  expect(refused).toBe(1);
});
