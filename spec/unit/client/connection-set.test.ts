import { ConnectionSet, MAX_CONNECTIONS } from '../../../lib/client/connection-set';
import { ScpipeError } from '../../../lib/errors';
import type { Ssh2Connection } from '../../../lib/transport/ssh2-transport';

const refused = () => new ScpipeError('ERR_REMOTE_EXIT', 'the server refused to run the command', { cause: Object.assign(new Error('open failed'), { reason: 1 }) });
const conn = (id: number) => ({ id, close: jest.fn() }) as unknown as Ssh2Connection & { id: number };
const signal = new AbortController().signal;

describe('ConnectionSet', () => {
  it('opens a further connection for a refused channel, and reuses it', async () => {
    let made = 0;
    const lines: string[] = [];
    const set = new ConnectionSet(async () => conn(made++), (l) => lines.push(l));
    const onFirstRefused = async (c: Ssh2Connection) => {
      if ((c as unknown as { id: number }).id === 0) throw refused();
      return (c as unknown as { id: number }).id;
    };
    expect(await set.use(signal, onFirstRefused)).toBe(1);
    expect(await set.use(signal, onFirstRefused)).toBe(1);
    expect(made).toBe(2);
    expect(lines).toEqual(['the server refused to run the command: opened connection 2 for further channels']);
  });

  it('makes at most MAX_CONNECTIONS, then asks again after a wait, and then the refusal stands', async () => {
    let made = 0;
    const set = new ConnectionSet(async () => conn(made++));
    let asked = 0;
    const err = await set.use(signal, async () => {
      asked++;
      throw refused();
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_REMOTE_EXIT' });
    expect(made).toBe(MAX_CONNECTIONS);
    expect(asked).toBeGreaterThan(MAX_CONNECTIONS);
  }, 20_000);

  it('a further connection that fails: no more are tried, and other errors pass at once', async () => {
    let made = 0;
    const set = new ConnectionSet(async () => {
      if (made++ > 0) throw new ScpipeError('ERR_CONNECT', 'refused');
      return conn(0);
    });
    await expect(set.use(signal, async () => { throw refused(); })).rejects.toMatchObject({ code: 'ERR_REMOTE_EXIT' });
    expect(made).toBe(2);
    const lost = new ScpipeError('ERR_LOST_CONNECTION', 'lost');
    await expect(set.use(signal, async () => { throw lost; })).rejects.toBe(lost);
    expect(made).toBe(2);
  }, 20_000);

  describe('a server that takes one channel per connection at a time (server-quirks.ts)', () => {
    const id = (c: Ssh2Connection): number => (c as unknown as { id: number }).id;
    const held = () => {
      let end!: () => void;
      return { done: new Promise<void>((r) => (end = r)), end: () => end() };
    };

    it('gives each held channel a connection of its own, and reuses one let go', async () => {
      let made = 0;
      const lines: string[] = [];
      const set = new ConnectionSet(async () => conn(made++), (l) => lines.push(l), () => 'old');
      const a = held();
      const b = held();
      expect(await set.use(signal, async (c) => id(c), () => a.done)).toBe(0);
      expect(await set.use(signal, async (c) => id(c), () => b.done)).toBe(1);
      a.end();
      await a.done;
      expect(await set.use(signal, async (c) => id(c), () => new Promise(() => undefined))).toBe(0);
      expect(made).toBe(2);
      expect(lines).toEqual(['old: opened connection 2 for a channel of its own']);
      // Without `until` (nothing to hold it by) a channel goes on the first connection, as before.
      expect(await set.use(signal, async (c) => id(c))).toBe(0);
    });

    it('all connections held: waits for one to be let go, then shares the least used after a while', async () => {
      let made = 0;
      const set = new ConnectionSet(async () => conn(made++), undefined, () => 'old');
      const hold = Array.from({ length: MAX_CONNECTIONS }, held);
      for (const h of hold) await set.use(signal, async (c) => id(c), () => h.done);
      expect(made).toBe(MAX_CONNECTIONS);
      setTimeout(() => hold[2]!.end(), 50);
      const started = Date.now();
      expect(await set.use(signal, async (c) => id(c), () => new Promise(() => undefined))).toBe(2);
      expect(Date.now() - started).toBeLessThan(1000);
      // None let go: after the wait it shares rather than waits for ever (sessions held together).
      expect(await set.use(signal, async (c) => id(c), () => new Promise(() => undefined))).toBe(0);
      expect(made).toBe(MAX_CONNECTIONS);
    }, 10_000);

    it('a further connection that cannot be made: the channel goes on one there is, no other is tried', async () => {
      let made = 0;
      const set = new ConnectionSet(async () => {
        if (made++ > 0) throw new ScpipeError('ERR_CONNECT', 'refused');
        return conn(0);
      }, undefined, () => 'old');
      expect(await set.use(signal, async (c) => id(c), () => new Promise(() => undefined))).toBe(0);
      expect(await set.use(signal, async (c) => id(c), () => new Promise(() => undefined))).toBe(0);
      expect(made).toBe(2);
    }, 10_000);
  });
});
