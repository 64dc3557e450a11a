// ChannelOpener.sftp() makes a --stall-timeout watch for each SFTP session
// (a timer of its own): a session that closes before anything wraps it in
// an SftpSession (a library caller's own use of the raw session, a session
// opened and then dropped) must stop it, or the timer, and the connection
// it reaches, live as long as the process.
import { EventEmitter } from 'node:events';
import type { Client, SFTPWrapper } from 'ssh2';
import { ChannelOpener } from '../../../lib/client/connection';
import { StallWatch } from '../../../lib/transport/stall-watch';
import type { Ssh2Connection } from '../../../lib/transport/ssh2-transport';

const mockMade: { watches: StallWatch[]; sessions: EventEmitter[] } = { watches: [], sessions: [] };

// A connection whose sftp() opens at once, with a real watch (limit 1 h: it never fires here).
jest.mock('../../../lib/transport/ssh2-transport', () => ({
  connectSsh2: async (): Promise<Ssh2Connection> => {
    const client = new EventEmitter() as EventEmitter & { sftp: (cb: (err: undefined, sftp: SFTPWrapper) => void) => void };
    client.sftp = (cb) => {
      const session = new EventEmitter();
      mockMade.sessions.push(session);
      setImmediate(() => cb(undefined, session as unknown as SFTPWrapper));
    };
    return {
      client: client as unknown as Client,
      host: undefined as never,
      exec: () => Promise.reject(new Error('no exec here')),
      close: () => undefined,
      drop: () => undefined,
      whyLost: () => undefined,
      stallWatch: () => {
        const watch = new StallWatch(3_600_000, () => undefined);
        mockMade.watches.push(watch);
        return watch;
      },
    };
  },
}));

beforeEach(() => {
  mockMade.watches.length = 0;
  mockMade.sessions.length = 0;
});

it('a session that closes before it becomes an SftpSession stops its watch', async () => {
  const opener = new ChannelOpener({ host: 'vault', stallTimeoutMs: 3_600_000 });
  const { session, stall } = await opener.sftp(new AbortController().signal);
  expect(stall).toBe(mockMade.watches[0]);
  const stop = jest.spyOn(stall!, 'stop');
  expect(stop).not.toHaveBeenCalled(); // open: still watched
  session.emit('close'); // the caller ended it, or the connection went
  expect(stop).toHaveBeenCalledTimes(1);
  opener.close();
});

it('each of several sessions dropped stops its own watch, and only its own', async () => {
  const opener = new ChannelOpener({ host: 'vault', stallTimeoutMs: 3_600_000 });
  const signal = new AbortController().signal;
  const [a, b] = [await opener.sftp(signal), await opener.sftp(signal)];
  const stops = [jest.spyOn(a.stall!, 'stop'), jest.spyOn(b.stall!, 'stop')];
  b.session.emit('close');
  expect(stops.map((s) => s.mock.calls.length)).toEqual([0, 1]);
  a.session.emit('close');
  expect(stops.map((s) => s.mock.calls.length)).toEqual([1, 1]);
  opener.close();
});
