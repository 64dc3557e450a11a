import { Progress } from '../../../lib/spool/control';
import type { ScpipeError } from '../../../lib/errors';

const unexpected = (err: ScpipeError): never => {
  throw err;
};

describe('Progress (pass 1\'s throttled reporter)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  // A producer that pauses right after a burst: the burst's last bytes were
  // said only when it went on, maybe hours later.
  it('an update that comes too soon is said when the interval is over, the latest of them', () => {
    const said: bigint[] = [];
    const progress = new Progress((b) => said.push(b), unexpected);
    progress.update(10);
    progress.update(20);
    expect(said).toEqual([]);
    jest.advanceTimersByTime(100);
    expect(said).toEqual([20n]);
    jest.advanceTimersByTime(10_000);
    expect(said).toEqual([20n]);
  });

  it('finish() says the total at once, and nothing comes after it', () => {
    const said: bigint[] = [];
    const progress = new Progress((b) => said.push(b), unexpected);
    progress.update(1);
    progress.finish(3);
    jest.advanceTimersByTime(1000);
    expect(said).toEqual([3n]);
  });

  it('says nothing after stop() (a pass that failed)', () => {
    const said: bigint[] = [];
    const progress = new Progress((b) => said.push(b), unexpected);
    progress.update(5);
    progress.stop();
    jest.advanceTimersByTime(1000);
    expect(said).toEqual([]);
  });

  // Thrown from the timer, the caller's error was uncaught: the process crashed.
  it('a callback that throws in the timer fails the pass through onError: ERR_LOCAL_IO, its error the cause', () => {
    const boom = new Error('progress callback failed');
    const failed: ScpipeError[] = [];
    const progress = new Progress(() => {
      throw boom;
    }, (err) => failed.push(err));
    progress.update(10);
    expect(() => jest.advanceTimersByTime(100)).not.toThrow();
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ code: 'ERR_LOCAL_IO', message: 'unexpected failure: progress callback failed', cause: boom });
    expect(() => progress.finish(10)).toThrow(expect.objectContaining({ code: 'ERR_LOCAL_IO', cause: boom }));
  });
});
