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

  it('a retry refused at the login is final, with its code, after the first loss and what it left', async () => {
    const cutShort = { name: 'f', path: 'd/f', written: 10n, size: 20n };
    const first = new ScpipeError('ERR_LOST_CONNECTION', 'lost; the remote file d/f is left cut short', { cutShort });
    const refused = new ScpipeError('ERR_HOST_KEY_CHANGED', 'REMOTE HOST IDENTIFICATION HAS CHANGED', { host: 'h' });
    let calls = 0;
    const err = await withRetries(async () => { throw calls++ === 0 ? first : refused; }, { retries: 5, backoffMs: [0], isRetryable: (e) => e === first }).catch((e: unknown) => e);
    expect(calls).toBe(2);
    expect(err).toMatchObject({ code: 'ERR_HOST_KEY_CHANGED', host: 'h', cutShort, message: 'lost; the remote file d/f is left cut short; retry 1 was refused: REMOTE HOST IDENTIFICATION HAS CHANGED' });
    // Refused by the remote before it wrote (the file made read-only): the same, with the remote's code.
    const denied = new ScpipeError('ERR_PERMISSION_DENIED', 'remote: scp: d/f: Permission denied');
    calls = 0;
    await expect(withRetries(async () => { throw calls++ === 0 ? first : denied; }, { retries: 5, backoffMs: [0], isRetryable: (e) => e === first }))
      .rejects.toMatchObject({ code: 'ERR_PERMISSION_DENIED', cutShort, message: 'lost; the remote file d/f is left cut short; retry 1 failed: remote: scp: d/f: Permission denied' });
    // Any other final failure is its own: one that left its own file, a missing directory, or after a loss that left none.
    for (const [before, after] of [
      [first, new ScpipeError('ERR_NO_SPACE', 'disk full', { cutShort })],
      [first, new ScpipeError('ERR_NO_SUCH_FILE', 'd: No such file or directory')],
      [lost(), denied],
    ]) {
      calls = 0;
      await expect(withRetries(async () => { throw calls++ === 0 ? before : after; }, { retries: 5, backoffMs: [0], isRetryable: (e) => e === before })).rejects.toBe(after);
    }
  });

  // scp -t does not truncate: the last attempt, cut at its header, left the first one's bytes.
  it('the retries spent: the file said as the attempt that wrote most left it', async () => {
    const cutAt = (written: bigint) => ({ name: 'f', path: 'd/f', written, size: 20n });
    const wrote = new ScpipeError('ERR_LOST_CONNECTION', 'lost; d/f is left cut short', { cutShort: cutAt(10n) });
    const atHeader = new ScpipeError('ERR_LOST_CONNECTION', 'lost; d/f may be left empty', { cutShort: cutAt(0n) });
    let calls = 0;
    const err = await withRetries(async () => { throw calls++ === 0 ? wrote : atHeader; }, { retries: 1, backoffMs: [0], isRetryable: () => true }).catch((e: unknown) => e);
    expect(err).toMatchObject({ cutShort: cutAt(10n), message: 'lost; d/f is left cut short; 1 retry failed too, the last: lost; d/f may be left empty' });
    calls = 0;
    const later = new ScpipeError('ERR_LOST_CONNECTION', 'lost; d/f is left cut short', { cutShort: cutAt(15n) });
    await expect(withRetries(async () => { throw calls++ === 0 ? wrote : later; }, { retries: 1, backoffMs: [0], isRetryable: () => true })).rejects.toMatchObject({ cutShort: cutAt(15n) });
  });

  it('marks the failure that spent the retries, so an outer loop does not start them over', async () => {
    const spent = lost();
    await expect(withRetries(async () => { throw spent; }, { retries: 1, backoffMs: [0], isRetryable: () => true })).rejects.toBe(spent);
    expect(wereRetriesSpent(spent)).toBe(true);
    expect(spent.retriesSpent).toBe(true);
    // An error made from its fields, or its JSON, does not carry the mark.
    expect(wereRetriesSpent(new ScpipeError(spent.code, spent.message, { ...spent }))).toBe(false);
    expect(spent.toJSON()).not.toHaveProperty('retriesSpent');
    // Spent after a different first loss: the combined error is the one marked.
    let calls = 0;
    const combined = await withRetries(async () => { throw calls++ === 0 ? lost() : lost(); }, { retries: 1, backoffMs: [0], isRetryable: () => true }).catch((e: unknown) => e);
    expect(combined).toMatchObject({ code: 'ERR_LOST_CONNECTION', retriesSpent: true });
    expect(wereRetriesSpent(combined)).toBe(true);
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
