import { BodyStream } from '../../../lib/client/body-stream';

// A get of a parts set that fails waits up to 30 s for the consumer to read
// the parts that checked out. Timed by the wall clock, a step back (NTP, a
// resumed VM) added the step: an hour's step held a failed restore an hour
// longer when its consumer had stopped reading.
describe('BodyStream.drained()', () => {
  it('gives up after its bound even when the wall clock is stepped back meanwhile', async () => {
    jest.useFakeTimers({ now: 10_000_000 });
    try {
      const body = new BodyStream(16);
      void body.write(Buffer.alloc(64)); // nobody reads it
      let done = false;
      void body.drained(30_000).then(() => (done = true));
      jest.setSystemTime(10_000_000 - 3_600_000);
      await jest.advanceTimersByTimeAsync(31_000);
      expect(done).toBe(true);
      body.destroy();
    } finally {
      jest.useRealTimers();
    }
  });

  it('waits for the consumer until its bound even when the wall clock is stepped forward meanwhile', async () => {
    jest.useFakeTimers({ now: 10_000_000 });
    try {
      const body = new BodyStream(16);
      void body.write(Buffer.alloc(64));
      let done = false;
      void body.drained(30_000).then(() => (done = true));
      jest.setSystemTime(10_000_000 + 3_600_000);
      await jest.advanceTimersByTimeAsync(1_000);
      expect(done).toBe(false); // the bytes are still unread
      body.read();
      await jest.advanceTimersByTimeAsync(100);
      expect(done).toBe(true);
      body.destroy();
    } finally {
      jest.useRealTimers();
    }
  });
});
