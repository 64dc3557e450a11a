// connectTcp's failures before a connect starts leave nothing behind: a
// timer left armed fired into a half-made closure and crashed the process
// (a ReferenceError thrown from a Timeout), seconds after the call rejected.
import { connectTcp } from '../../../lib/transport/tcp';
import { uncaughtDuring } from '../../helpers/uncaught';

describe('connectTcp', () => {
  it('rejects a signal it cannot listen to and arms no timer', async () => {
    const uncaught = await uncaughtDuring(async () => {
      // A common slip in JavaScript: the AbortController for its signal.
      await expect(connectTcp('127.0.0.1', 9, 20, new AbortController() as unknown as AbortSignal)).rejects.toBeDefined();
    }, 100);
    expect(uncaught).toEqual([]);
  });

  // Node said "getaddrinfo ENOTFOUND nosuchhost.invalid"; ssh says what getaddrinfo means.
  it('says an unknown host name in ssh\'s words', async () => {
    // .invalid never resolves (RFC 6761): not found, or no resolver to ask.
    await expect(connectTcp('nosuchhost.invalid', 22, 5000)).rejects.toMatchObject({
      code: 'ERR_CONNECT',
      message: expect.stringMatching(/^could not resolve hostname nosuchhost\.invalid: (Name or service not known|Temporary failure in name resolution)$/),
    });
  });
});
