// reconnect() (sftp-resume.ts): each loss of an SFTP transfer gets --retries
// attempts, but losses with no progress between them share them, so a link
// that lets the login through and drops every bulk transfer (an MTU black
// hole, a middlebox) ends the run instead of retrying it for ever.
import { reconnect, type OnGeneration } from '../../../lib/client/sftp-resume';
import { Reconnector } from '../../../lib/client/reconnect';
import { wereRetriesSpent } from '../../../lib/client/retry';
import { ScpipeError } from '../../../lib/errors';

const lost = (what: string) => new ScpipeError('ERR_LOST_CONNECTION', `connection lost ${what}`);

describe('reconnect: retries over the losses of one transfer', () => {
  const conn = new Reconnector({ host: '127.0.0.1' }); // never connects: reopen below is the test's
  afterAll(() => conn.close());
  const opts = { retries: 3, backoffMs: [0] };

  it('counts losses with no progress between them together, and anew once the transfer moved on', async () => {
    const on: OnGeneration = { generation: 0 };
    const retries: number[] = [];
    let reopens = 0;
    const withEvents = { ...opts, onRetry: (e: { retry: number }) => retries.push(e.retry) };
    // Lost at byte 100: two reconnects lost again, the third holds.
    await expect(reconnect(conn, lost('at 100'), withEvents, async () => {
      if (++reopens < 3) throw lost('again');
      return 'lanes';
    }, on, 100)).resolves.toBe('lanes');
    expect(retries).toEqual([1, 2, 3]);
    // Lost again at byte 100 (nothing acknowledged since): no retry is left; the user sees why.
    const spent = await reconnect(conn, lost('at 100 once more'), withEvents, async () => { reopens++; return 'never'; }, on, 100).catch((e: unknown) => e);
    expect(reopens).toBe(3);
    expect(spent).toBeInstanceOf(ScpipeError);
    expect((spent as ScpipeError).code).toBe('ERR_LOST_CONNECTION');
    expect((spent as ScpipeError).message).toBe('connection lost at 100 once more; not retried: 3 retries since the transfer last moved on were spent');
    expect(wereRetriesSpent(spent)).toBe(true);
    // Lost past byte 100: the transfer moved on, so the count starts again at retry 1.
    await expect(reconnect(conn, lost('at 200'), withEvents, async () => 'lanes', on, 200)).resolves.toBe('lanes');
    expect(retries).toEqual([1, 2, 3, 1]);
  });

  it('gives each loss its retries when each came after progress', async () => {
    const on: OnGeneration = { generation: conn.current().generation };
    const retries: number[] = [];
    for (const at of [0, 10, 20, 30, 40]) {
      let tries = 0;
      await reconnect(conn, lost(`at ${at}`), { ...opts, onRetry: (e) => retries.push(e.retry) }, async () => {
        if (++tries < 3) throw lost('again');
        return 'lanes';
      }, on, at);
    }
    expect(retries).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3]);
  });
});
