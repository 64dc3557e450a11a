import { HandshakeClock, type Bound, type Phase } from '../../../lib/transport/handshake-clock';
import { handshakeBounds } from '../../../lib/transport/handshake-bounds';
import { resolvedHost } from '../../helpers/resolved-host';

function bound(ms: number, phases: Phase[], name: string): Bound {
  return { ms, phases, error: (phase) => new Error(`${name} in ${phase}`) };
}

describe('HandshakeClock: one timer per phase of the SSH set-up', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs from the banner, not before it, and leaves no timer once stopped', () => {
    const expired = jest.fn();
    const clock = new HandshakeClock([bound(30_000, ['banner', 'kex'], 'connect')], expired);
    jest.advanceTimersByTime(60_000);
    expect(expired).not.toHaveBeenCalled();
    clock.enter('banner');
    clock.stop();
    jest.advanceTimersByTime(60_000);
    expect(expired).not.toHaveBeenCalled();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('a bound over two phases counts them together, and the error names the phase it ran out in', () => {
    const expired = jest.fn();
    const clock = new HandshakeClock([bound(10_000, ['banner', 'kex'], 'connect')], expired);
    clock.enter('banner');
    jest.advanceTimersByTime(4_000);
    clock.enter('kex');
    jest.advanceTimersByTime(5_999);
    expect(expired).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(expired).toHaveBeenCalledTimes(1);
    expect(expired.mock.calls[0][0].message).toBe('connect in kex');
    expect(jest.getTimerCount()).toBe(0);
  });

  // Timed by the wall clock, a step back (NTP, a resumed VM) between two phases
  // gave the bound the step on top: an hour more for a hung server.
  it('a wall clock stepped back an hour between phases adds nothing to the bound', () => {
    const expired = jest.fn();
    const clock = new HandshakeClock([bound(10_000, ['banner', 'kex'], 'connect')], expired);
    clock.enter('banner');
    jest.advanceTimersByTime(4_000);
    jest.setSystemTime(Date.now() - 3_600_000);
    clock.enter('kex');
    jest.advanceTimersByTime(6_000);
    expect(expired).toHaveBeenCalledTimes(1);
    expect(expired.mock.calls[0][0].message).toBe('connect in kex');
  });

  it('the bound nearest its end decides; a longer one over the login goes on with what is left of it', () => {
    const expired = jest.fn();
    const clock = new HandshakeClock([bound(10_000, ['banner', 'kex'], 'connect'), bound(20_000, ['banner', 'kex', 'login'], 'batch')], expired);
    clock.enter('banner');
    jest.advanceTimersByTime(8_000);
    clock.enter('login');
    jest.advanceTimersByTime(11_999);
    expect(expired).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(expired.mock.calls).toEqual([[new Error('batch in login')]]);
  });

  it('of two bounds ending together, the first given decides', () => {
    const expired = jest.fn();
    const clock = new HandshakeClock([bound(30_000, ['banner', 'kex'], 'connect'), bound(30_000, ['banner', 'kex', 'login'], 'batch')], expired);
    clock.enter('banner');
    jest.advanceTimersByTime(30_000);
    expect(expired.mock.calls).toEqual([[new Error('connect in banner')]]);
  });

  it('a later key exchange (a rekey) neither restarts nor stops the login clock', () => {
    const expired = jest.fn();
    const clock = new HandshakeClock([bound(20_000, ['login'], 'login')], expired);
    clock.enter('banner');
    jest.advanceTimersByTime(50_000); // no bound before the login
    clock.enter('login');
    jest.advanceTimersByTime(15_000);
    clock.enter('kex');
    clock.enter('login');
    jest.advanceTimersByTime(5_000);
    expect(expired.mock.calls).toEqual([[new Error('login in login')]]);
  });

  it('stands still while a question waits for the person, and gives the server the whole bound again after the answer', async () => {
    const expired = jest.fn();
    const clock = new HandshakeClock([bound(30_000, ['login'], 'login')], expired);
    let answer!: (text: string) => void;
    const ask = clock.asks((_q: string) => new Promise<string>((resolve) => (answer = resolve)));
    clock.enter('banner');
    clock.enter('login');
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

  it('an answer that comes after the set-up ended starts no timer', async () => {
    const clock = new HandshakeClock([bound(30_000, ['banner', 'kex'], 'connect')], jest.fn());
    let answer!: (yes: boolean) => void;
    const ask = clock.asks(() => new Promise<boolean>((resolve) => (answer = resolve)));
    clock.enter('banner');
    const asked = ask();
    clock.stop();
    answer(true);
    await asked;
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('handshakeBounds: what bounds the set-up, in words the user can act on', () => {
  const say = (host = resolvedHost(), how: { interactive: boolean; reconnection?: boolean }) =>
    handshakeBounds(host, how).map((b) => [b.ms, b.phases.join(','), b.error('banner').message]);

  it('with someone to ask and no ConnectTimeout: nothing, as in ssh', () => {
    expect(say(undefined, { interactive: true })).toEqual([]);
  });

  it('ConnectTimeout: the banner and the key exchange, whoever may be asked', () => {
    expect(say(resolvedHost({ connectTimeoutMs: 2_000 }), { interactive: true })).toEqual([
      [2_000, 'banner,kex', 'alice@h.example: timed out during the SSH handshake (ConnectTimeout 2 s)'],
    ]);
  });

  it('BatchMode: the login too, 30 s without ConnectTimeout, else ConnectTimeout but at least 20 s', () => {
    expect(say(undefined, { interactive: false })).toEqual([
      [30_000, 'banner,kex,login', 'alice@h.example: timed out during the SSH handshake (no login within 30 s)'],
    ]);
    expect(say(resolvedHost({ connectTimeoutMs: 5_000 }), { interactive: false })).toEqual([
      [5_000, 'banner,kex', 'alice@h.example: timed out during the SSH handshake (ConnectTimeout 5 s)'],
      [20_000, 'banner,kex,login', 'alice@h.example: timed out during the SSH handshake (no login within 20 s)'],
    ]);
  });

  it('a reconnection with someone to ask: 30 s for the handshake and for the login, saying where the number came from', () => {
    expect(say(undefined, { interactive: true, reconnection: true })).toEqual([
      [30_000, 'banner,kex', 'alice@h.example: timed out during the SSH handshake (ConnectTimeout 30 s, the default for a reconnection)'],
      [30_000, 'login', 'alice@h.example: timed out during the SSH login: the server finished the key exchange, then did not answer for 30 s (ConnectTimeout 30 s, the default for a reconnection)'],
    ]);
    expect(say(resolvedHost({ connectTimeoutMs: 5_000 }), { interactive: true, reconnection: true })[1][2]).toBe(
      'alice@h.example: timed out during the SSH login: the server finished the key exchange, then did not answer for 20 s (ConnectTimeout 5 s; a login is given 20 s at least)',
    );
  });
});
