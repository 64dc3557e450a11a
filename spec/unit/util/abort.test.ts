import { getEventListeners } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { isScpipeError, throwIfAborted } from '../../../lib/errors';
import { put } from '../../../lib/client/put';
import { sleep } from '../../../lib/client/retry';
import { ReplyReader } from '../../../lib/protocol/reply-reader';
import { waitForExit } from '../../../lib/protocol/wait-exit';
import { destroyOnAbort } from '../../../lib/spool/replay';
import { connectTcp } from '../../../lib/transport/tcp';
import { linkedController, onAbort, settledOrAborted } from '../../../lib/util/abort';
import { TokenBucket } from '../../../lib/util/token-bucket';

const listeners = (signal: AbortSignal): number => getEventListeners(signal, 'abort').length;

describe('onAbort', () => {
  it('calls the listener once on abort, and leaves none behind', () => {
    const ac = new AbortController();
    const calls: number[] = [];
    onAbort(ac.signal, () => calls.push(1));
    expect(listeners(ac.signal)).toBe(1);
    ac.abort();
    ac.abort();
    expect(calls).toEqual([1]);
    expect(listeners(ac.signal)).toBe(0);
  });

  it('returns what removes the listener (twice is harmless)', () => {
    const ac = new AbortController();
    const unlink = onAbort(ac.signal, () => {
      throw new Error('must not run');
    });
    unlink();
    unlink();
    expect(listeners(ac.signal)).toBe(0);
    ac.abort();
  });

  it('takes no signal', () => {
    expect(() => onAbort(undefined, () => undefined)()).not.toThrow();
  });

  // A slip easily made in JavaScript: it was an ERR_LOCAL_IO "unexpected failure: signal.addEventListener is not a function".
  it('refuses what is not an AbortSignal with ERR_USAGE, and says so of an AbortController', () => {
    const controller = new AbortController();
    expect(() => onAbort(controller as unknown as AbortSignal, () => undefined)).toThrow(expect.objectContaining({ code: 'ERR_USAGE', message: 'signal: not an AbortSignal (an AbortController: pass its .signal)' }));
    expect(() => throwIfAborted({} as AbortSignal)).toThrow(expect.objectContaining({ code: 'ERR_USAGE', message: 'signal: not an AbortSignal' }));
    expect(() => throwIfAborted(controller.signal)).not.toThrow();
  });

  it('makes put() reject with ERR_USAGE before it connects', async () => {
    const target = { host: '127.0.0.1', port: 9, configFile: 'none' };
    const err = await put(target, 'f', Buffer.from('x'), { signal: new AbortController() as unknown as AbortSignal }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_USAGE' });
  });
});

describe('linkedController', () => {
  it('aborts with the caller\'s abort error, and unlink() forgets the caller\'s signal', () => {
    const outer = new AbortController();
    const { controller, unlink } = linkedController(outer.signal);
    expect(listeners(outer.signal)).toBe(1);
    outer.abort('SIGINT');
    expect(isScpipeError(controller.signal.reason, 'ERR_ABORTED')).toBe(true);
    expect((controller.signal.reason as Error).message).toBe('interrupted by SIGINT');
    unlink();
    expect(listeners(outer.signal)).toBe(0);
  });

  it('aborting the inner one leaves the caller\'s alone', () => {
    const outer = new AbortController();
    const { controller, unlink } = linkedController(outer.signal);
    controller.abort(new Error('first failure'));
    unlink();
    expect(outer.signal.aborted).toBe(false);
    expect(listeners(outer.signal)).toBe(0);
  });
});

// Every wait that listens to a caller's signal: done either way, none is left on it.
describe('no abort listener is left behind', () => {
  it('sleep(), after the time and after an abort', async () => {
    const ac = new AbortController();
    await sleep(1, ac.signal);
    expect(listeners(ac.signal)).toBe(0);
    const slept = sleep(60_000, ac.signal);
    ac.abort();
    await expect(slept).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    expect(listeners(ac.signal)).toBe(0);
  });

  it('waitForExit(), on the status, on the timeout and on an abort', async () => {
    const ac = new AbortController();
    await waitForExit(Promise.resolve({ code: 0, signal: null }), ac.signal);
    await waitForExit(new Promise(() => undefined), ac.signal, 1);
    expect(listeners(ac.signal)).toBe(0);
    const waiting = waitForExit(new Promise(() => undefined), ac.signal);
    expect(listeners(ac.signal)).toBe(1);
    ac.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    expect(listeners(ac.signal)).toBe(0);
  });

  it('ReplyReader.next(), on a reply and on EOF', async () => {
    const ac = new AbortController();
    const stream = new PassThrough();
    const reader = new ReplyReader(stream);
    const first = reader.next(ac.signal);
    expect(listeners(ac.signal)).toBe(1);
    stream.write(Buffer.from([0]));
    await first;
    expect(listeners(ac.signal)).toBe(0);
    const second = reader.next(ac.signal);
    stream.end();
    await expect(second).rejects.toBeDefined();
    expect(listeners(ac.signal)).toBe(0);
  });

  it('TokenBucket.take(), once the bytes pass', async () => {
    const ac = new AbortController();
    const bucket = new TokenBucket(1_000_000, 1000);
    await bucket.take(1000, ac.signal);
    await bucket.take(1000, ac.signal); // waits for a refill
    expect(listeners(ac.signal)).toBe(0);
  });

  it('destroyOnAbort(), once the stream closes', async () => {
    const ac = new AbortController();
    const stream = new PassThrough();
    destroyOnAbort(stream, ac.signal);
    expect(listeners(ac.signal)).toBe(1);
    stream.destroy();
    await new Promise((resolve) => stream.once('close', resolve));
    expect(listeners(ac.signal)).toBe(0);
  });

  it('connectTcp(), connected and refused', async () => {
    const ac = new AbortController();
    const server = createServer((s) => s.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const sock = await connectTcp('127.0.0.1', port, 10_000, ac.signal);
      sock.destroy();
      expect(listeners(ac.signal)).toBe(0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    await expect(connectTcp('127.0.0.1', port, 10_000, ac.signal)).rejects.toMatchObject({ code: 'ERR_CONNECT' });
    expect(listeners(ac.signal)).toBe(0);
  });
});

describe('settledOrAborted', () => {
  const never = new Promise<never>(() => undefined);

  it('resolves on an abort while the promise is pending, and leaves no listener', async () => {
    const ac = new AbortController();
    const waiting = settledOrAborted(never, ac.signal);
    expect(listeners(ac.signal)).toBe(1);
    ac.abort();
    await waiting;
    expect(listeners(ac.signal)).toBe(0);
  });

  it('resolves at once on a signal already aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    await settledOrAborted(never, ac.signal);
    expect(listeners(ac.signal)).toBe(0);
  });

  it('resolves when the promise rejects, and then leaves no listener', async () => {
    const ac = new AbortController();
    await settledOrAborted(Promise.reject(new Error('no answer')), ac.signal);
    expect(listeners(ac.signal)).toBe(0);
  });
});
