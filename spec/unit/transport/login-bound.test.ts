import { LoginBound } from '../../../lib/transport/login-bound';

describe('LoginBound: a reconnection\'s login, bounded but for the time a person is asked', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('expires the bound after the key exchange, not before it starts, and not once stopped', () => {
    const expired = jest.fn();
    const bound = new LoginBound(30_000, expired);
    jest.advanceTimersByTime(60_000);
    expect(expired).not.toHaveBeenCalled(); // the key exchange has its own bound
    bound.start();
    jest.advanceTimersByTime(29_999);
    expect(expired).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(expired).toHaveBeenCalledTimes(1);
    const other = jest.fn();
    const stopped = new LoginBound(30_000, other);
    stopped.start();
    stopped.stop();
    jest.advanceTimersByTime(60_000);
    expect(other).not.toHaveBeenCalled();
  });

  it('stops the clock while a question waits for the person, and gives the server the whole bound again after the answer', async () => {
    const expired = jest.fn();
    const bound = new LoginBound(30_000, expired);
    let answer!: (text: string) => void;
    const ask = bound.prompts((_q: string) => new Promise<string>((resolve) => (answer = resolve)));
    bound.start();
    jest.advanceTimersByTime(20_000);
    const asked = ask('Verification code: ');
    jest.advanceTimersByTime(300_000); // the person takes five minutes
    expect(expired).not.toHaveBeenCalled();
    answer('123456');
    await expect(asked).resolves.toBe('123456');
    jest.advanceTimersByTime(29_999);
    expect(expired).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(expired).toHaveBeenCalledTimes(1);
  });
});
