// sendFile takes a lane for each attempt: whatever throws once it has one (the
// part's spool that cannot be read again, say), the lane is given back and
// the count of sending parts goes down, or the set would stall on the next part.
import { sendFile, type SendContext } from '../../../../lib/client/parts/send';
import { Lanes } from '../../../../lib/client/parts/lanes';
import { Reconnector } from '../../../../lib/client/reconnect';
import { ScpipeError } from '../../../../lib/errors';
import { rejection } from '../../../helpers/async';

test('a body that throws: the error reaches the caller, the lane is free again and the sending count back to 0', async () => {
  const signal = new AbortController().signal;
  const lanes = new Lanes(1, signal);
  // Never connected: the attempt fails before it opens a channel.
  const ctx: SendContext = { conn: new Reconnector({ host: '127.0.0.1', port: 9 }), lanes, protocol: { now: 'scp', fallback: false }, signal };
  let sending = 0;
  const err = await rejection(
    sendFile(ctx, 'dir/', 'set.part-0001', 3n, () => {
      throw new ScpipeError('ERR_LOCAL_IO', 'the spool is gone');
    }, undefined, (holding) => (sending += holding ? 1 : -1)),
  );
  expect([err.code, err.message]).toEqual(['ERR_LOCAL_IO', 'the spool is gone']);
  expect(sending).toBe(0);
  const next = await Promise.race([lanes.acquire(), new Promise<'stalled'>((resolve) => setImmediate(() => resolve('stalled')))]);
  expect(next).toBe(0);
});
