// A download's body hands the consumer every byte that checked out before
// the error that ends it (drained()). Timed by the wall clock, a step forward
// (NTP, a resumed VM) ended that wait at once: the parts that had checked out
// were cut off before the consumer had read them.
import { BodyStream } from '../../../lib/client/body-stream';
import { waitFor } from '../../helpers/async';

afterEach(() => jest.restoreAllMocks());

describe('BodyStream.drained()', () => {
  it('waits for the consumer also when the wall clock steps forward an hour', async () => {
    const body = new BodyStream(16);
    void body.write(Buffer.from('checked out'));
    let drained = false;
    const real = Date.now.bind(Date);
    const setTimer = global.setTimeout;
    let polls = 0; // drained() looks every 5 ms
    jest.spyOn(global, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
      if (ms === 5) polls++;
      return setTimer(fn, ms);
    }) as typeof setTimeout);
    const wait = body.drained(5_000).then(() => (drained = true));
    jest.spyOn(Date, 'now').mockImplementation(() => real() + 3_600_000);
    await waitFor(() => drained || polls >= 3, 'three looks at the consumer, or the wait ended');
    expect(drained).toBe(false);
    expect(body.read()?.toString()).toBe('checked out');
    await wait;
    expect(drained).toBe(true);
  });
});
