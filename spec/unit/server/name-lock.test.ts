// serve's lock between path checks and the renames that could undo them.
import { NameLock } from '../../../lib/server/name-lock';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('NameLock', () => {
  it('lets shared holders run together and an exclusive one alone, first come first served', async () => {
    const lock = new NameLock();
    const events: string[] = [];
    const r1 = await lock.hold();
    const r2 = await lock.hold();
    const w = lock.hold(true).then((release) => (events.push('w'), release));
    const r3 = lock.hold().then((release) => (events.push('r3'), release));
    await tick();
    expect(events).toEqual([]); // the writer waits for both readers; r3 waits behind the writer
    r1();
    r1(); // a second release does nothing
    await tick();
    expect(events).toEqual([]);
    r2();
    const releaseW = await w;
    await tick();
    expect(events).toEqual(['w']);
    releaseW();
    (await r3)();
    expect(events).toEqual(['w', 'r3']);
    expect(await lock.with(true, () => Promise.resolve(7))).toBe(7);
  });
});
