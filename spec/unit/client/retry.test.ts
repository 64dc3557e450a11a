import { backoffDelay, sleep, wereRetriesSpent, withRetries } from '../../../lib/client/retry';
import { ScpipeError } from '../../../lib/errors';
import { uncaughtDuring } from '../../helpers/uncaught';

const lost = () => new ScpipeError('ERR_LOST_CONNECTION', 'lost');

describe('withRetries', () => {
  it('retries retryable failures with the schedule, and tells each retry', async () => {
    const events: number[] = [];
    let calls = 0;
    const value = await withRetries(
      async () => {
        if (++calls < 3) throw lost();
        return 'ok';
      },
      { retries: 5, backoffMs: [1, 2], isRetryable: () => true, onRetry: (e) => events.push(e.delayMs) },
    );
    expect(value).toBe('ok');
    expect(events).toEqual([1, 2]);
  });

  it('throws a final failure at once, and the last one when the retries are spent', async () => {
    let calls = 0;
    const final = new ScpipeError('ERR_REMOTE', 'disk full');
    await expect(withRetries(async () => { calls++; throw final; }, { retries: 3, backoffMs: [0], isRetryable: (e) => e !== final })).rejects.toBe(final);
    expect(calls).toBe(1);
    calls = 0;
    await expect(withRetries(async () => { calls++; throw lost(); }, { retries: 2, backoffMs: [0], isRetryable: () => true })).rejects.toThrow('lost');
    expect(calls).toBe(3);
  });

  it('marks the failure that spent the retries, so an outer loop does not start them over', async () => {
    const spent = lost();
    await expect(withRetries(async () => { throw spent; }, { retries: 1, backoffMs: [0], isRetryable: () => true })).rejects.toBe(spent);
    expect(wereRetriesSpent(spent)).toBe(true);
    const final = new ScpipeError('ERR_REMOTE', 'refused');
    await expect(withRetries(async () => { throw final; }, { retries: 1, backoffMs: [0], isRetryable: () => false })).rejects.toBe(final);
    expect(wereRetriesSpent(final)).toBe(false);
    expect(wereRetriesSpent(lost())).toBe(false);
  });

  it('stops waiting when aborted, leaving no listener', async () => {
    const ctl = new AbortController();
    const running = withRetries(async () => { throw lost(); }, { retries: 1, backoffMs: [60_000], isRetryable: () => true, signal: ctl.signal, onRetry: () => ctl.abort() });
    await expect(running).rejects.toMatchObject({ code: 'ERR_ABORTED' });
  });

  it('repeats the last delay past the schedule', () => {
    expect(backoffDelay(1, [5, 7])).toBe(5);
    expect(backoffDelay(9, [5, 7])).toBe(7);
  });
});

describe('sleep', () => {
  // A timer armed before a listener that throws fired into a half-made closure: a ReferenceError that crashed the process.
  it('arms no timer when it cannot listen to the signal', async () => {
    const uncaught = await uncaughtDuring(async () => {
      await expect((async () => sleep(10, new AbortController() as unknown as AbortSignal))()).rejects.toBeDefined();
    }, 60);
    expect(uncaught).toEqual([]);
  });
});
