// ChannelOpener.sftp() tells a refused sftp subsystem (auto then uses SCP)
// from a connection that went while the subsystem was being opened (which
// is retried): ssh2 fails both the same way, with no reason code.
import { EventEmitter } from 'node:events';
import type { Client } from 'ssh2';
import { ChannelOpener } from '../../../lib/client/connection';
import { isScpipeError } from '../../../lib/errors';

// A stand-in for ssh2's Client: sftp() fails with `err` (undefined: never
// answers), after the connection ended (as ssh2 says it: end, then close) when `ends`.
function client(err: (Error & { reason?: number }) | undefined, ends: boolean): Client {
  const c = new EventEmitter() as EventEmitter & { exec: () => void; sftp: (cb: (e: Error) => void) => void };
  c.exec = () => undefined;
  c.sftp = (cb) => {
    setImmediate(() => {
      if (ends) {
        c.emit('end');
        c.emit('close');
      }
      if (err) cb(err);
    });
  };
  return c as unknown as Client;
}

async function failure(c: Client): Promise<unknown> {
  return new ChannelOpener(c).sftp(new AbortController().signal).then(() => undefined, (e: unknown) => e);
}

describe('ChannelOpener.sftp()', () => {
  it('a subsystem the server refuses: ERR_PROTOCOL_REFUSED', async () => {
    expect(isScpipeError(await failure(client(new Error('Unable to start subsystem: sftp'), false)), 'ERR_PROTOCOL_REFUSED')).toBe(true);
  });
  it.each([
    ['"Unable to start subsystem"', new Error('Unable to start subsystem: sftp')],
    ['"No response from server"', new Error('No response from server')],
    ['no answer at all (it waited for the version)', undefined],
  ])('%s after the connection ended: ERR_LOST_CONNECTION', async (_what, err) => {
    const e = await failure(client(err, true));
    expect(isScpipeError(e, 'ERR_LOST_CONNECTION')).toBe(true);
    expect((e as Error).message).toBe('connection lost while opening the sftp subsystem');
  });
  it('a channel refused with a reason code (MaxSessions): ERR_REMOTE_EXIT', async () => {
    expect(isScpipeError(await failure(client(Object.assign(new Error('open failed'), { reason: 2 }), false)), 'ERR_REMOTE_EXIT')).toBe(true);
  });
});
