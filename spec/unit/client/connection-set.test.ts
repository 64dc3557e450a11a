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
});
