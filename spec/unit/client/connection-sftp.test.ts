// ChannelOpener.sftp() tells a refused sftp subsystem (auto then uses SCP)
// from a connection that went while the subsystem was being opened (which
// is retried): ssh2 fails both the same way, with no reason code.
import { EventEmitter } from 'node:events';
import type { Client } from 'ssh2';
import { ChannelOpener } from '../../../lib/client/connection';
import { isScpipeError } from '../../../lib/errors';

// A stand-in for ssh2's Client: sftp() fails with `err`, after the connection ended when `ends`.
function client(err: Error & { reason?: number }, ends: boolean): Client {
  const c = new EventEmitter() as EventEmitter & { exec: () => void; sftp: (cb: (e: Error) => void) => void };
  c.exec = () => undefined;
  c.sftp = (cb) => {
    setImmediate(() => {
      if (ends) {
        c.emit('end');
        c.emit('close');
      }
      cb(err);
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
  it.each(['Unable to start subsystem: sftp', 'No response from server'])('"%s" after the connection ended: ERR_LOST_CONNECTION', async (message) => {
    const err = await failure(client(new Error(message), true));
    expect(isScpipeError(err, 'ERR_LOST_CONNECTION')).toBe(true);
    expect((err as Error).message).toBe(`connection lost while opening the sftp subsystem: ${message}`);
  });
  it('a channel refused with a reason code (MaxSessions): ERR_REMOTE_EXIT', async () => {
    expect(isScpipeError(await failure(client(Object.assign(new Error('open failed'), { reason: 2 }), false)), 'ERR_REMOTE_EXIT')).toBe(true);
  });
});
