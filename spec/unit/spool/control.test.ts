import { Progress } from '../../../lib/spool/control';

describe('Progress (pass 1\'s throttled reporter)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  // A producer that pauses right after a burst: the burst's last bytes were
  // said only when it went on, maybe hours later.
  it('an update that comes too soon is said when the interval is over, the latest of them', () => {
    const said: bigint[] = [];
    const progress = new Progress((b) => said.push(b));
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
    const progress = new Progress((b) => said.push(b));
    progress.update(1);
    progress.finish(3);
    jest.advanceTimersByTime(1000);
    expect(said).toEqual([3n]);
  });

  it('says nothing after stop() (a pass that failed)', () => {
    const said: bigint[] = [];
    const progress = new Progress((b) => said.push(b));
    progress.update(5);
    progress.stop();
    jest.advanceTimersByTime(1000);
    expect(said).toEqual([]);
  });
});
