// reconnect() (sftp-resume.ts): each loss of an SFTP transfer gets --retries
// attempts, but losses whose connection moved the transfer on by less than
// HEADWAY_BYTES share them, so a link that lets the login through and drops
// every bulk transfer (an MTU black hole, a middlebox), or every transfer
// after a few KiB, ends the run instead of retrying it for ever.
import { reconnect, type OnGeneration } from '../../../lib/client/sftp-resume';
import { Reconnector } from '../../../lib/client/reconnect';
import { HEADWAY_BYTES, wereRetriesSpent } from '../../../lib/client/retry';
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
    expect((spent as ScpipeError).message).toBe('connection lost at 100 once more; not retried: 3 retries were spent since a connection last moved the transfer on by 16 MiB');
    expect(wereRetriesSpent(spent)).toBe(true);
    // Lost HEADWAY_BYTES past byte 100: the transfer moved on, so the count starts again at retry 1.
    await expect(reconnect(conn, lost('far on'), withEvents, async () => 'lanes', on, 100 + HEADWAY_BYTES)).resolves.toBe('lanes');
    expect(retries).toEqual([1, 2, 3, 1]);
  });

  // A link that drops every connection after a few KiB, or a server that takes one write and
  // then fails: each connection keeps a little, which began the count anew for ever.
  it('counts losses together while each connection moves the transfer on by less than HEADWAY_BYTES', async () => {
    const on: OnGeneration = { generation: conn.current().generation };
    const retries: number[] = [];
    const step = HEADWAY_BYTES / 4;
    let at = 0;
    const loss = () => reconnect(conn, lost(`at ${at}`), { ...opts, onRetry: (e) => retries.push(e.retry) }, async () => 'lanes', on, (at += step));
    for (let i = 0; i < 3; i++) await loss();
    const spent = await loss().catch((e: unknown) => e);
    expect(retries).toEqual([1, 2, 3]);
    expect((spent as ScpipeError).message).toBe(`connection lost at ${3 * step}; not retried: 3 retries were spent since a connection last moved the transfer on by 16 MiB`);
    expect(wereRetriesSpent(spent)).toBe(true);
  });

  it('gives each loss its retries when each connection before it moved the transfer on by HEADWAY_BYTES', async () => {
    const on: OnGeneration = { generation: conn.current().generation };
    const retries: number[] = [];
    for (const at of [0, 1, 2, 3, 4].map((n) => n * HEADWAY_BYTES)) {
      let tries = 0;
      await reconnect(conn, lost(`at ${at}`), { ...opts, onRetry: (e) => retries.push(e.retry) }, async () => {
        if (++tries < 3) throw lost('again');
        return 'lanes';
      }, on, at);
    }
    expect(retries).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3]);
  });
});
