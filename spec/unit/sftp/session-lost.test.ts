// SftpSession.onLost(): a channel that ends with nothing pending is told to
// its listeners (an upload waiting for input learns of it then), also to a
// listener that comes after the end; an end by end() is not a loss.
import { EventEmitter } from 'node:events';
import type { SFTPWrapper } from 'ssh2';
import type { ScpipeError } from '../../../lib/errors';
import { SftpSession } from '../../../lib/sftp/session';

// The events of ssh2's SFTP channel, and the end() the session may call.
function channel(): EventEmitter & { end(): void } {
  const raw = new EventEmitter() as EventEmitter & { end(): void };
  raw.end = () => raw.emit('close');
  return raw;
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('SftpSession.onLost', () => {
  it('tells each listener once, with the error a write would get, when the channel closes', () => {
    const raw = channel();
    const session = new SftpSession(raw as unknown as SFTPWrapper, 'sftp', () => 'no answer from the server for 45 s');
    const heard: ScpipeError[] = [];
    session.onLost('/in/db.bin', (e) => heard.push(e));
    raw.emit('end');
    raw.emit('close');
    expect(heard).toHaveLength(1);
    expect(heard[0]).toMatchObject({ code: 'ERR_LOST_CONNECTION', path: '/in/db.bin' });
    expect(heard[0]!.message).toBe('/in/db.bin: write: the SFTP session ended: no answer from the server for 45 s');
  });

  it('tells a listener that comes after the loss, soon, unless it unsubscribed', async () => {
    const raw = channel();
    const session = new SftpSession(raw as unknown as SFTPWrapper);
    raw.emit('close');
    const heard: string[] = [];
    session.onLost('a', (e) => heard.push(e.message));
    const stop = session.onLost('b', (e) => heard.push(e.message));
    stop();
    expect(heard).toEqual([]);
    await tick();
    expect(heard).toEqual(['a: write: the SFTP session ended (the SFTP channel closed)']);
  });

  it('an end by end() is no loss, before or after subscribing', async () => {
    const raw = channel();
    const session = new SftpSession(raw as unknown as SFTPWrapper);
    const heard: string[] = [];
    session.onLost('a', (e) => heard.push(e.message));
    session.end();
    session.onLost('b', (e) => heard.push(e.message));
    await tick();
    expect(heard).toEqual([]);
    expect(session.ended).toBe(true);
  });
});
