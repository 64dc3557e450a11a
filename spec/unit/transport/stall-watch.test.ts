import { createServer, connect, type Socket } from 'node:net';
import { PassThrough, Writable } from 'node:stream';
import { waitFor } from '../../helpers/async';
import { StallWatch } from '../../../lib/transport/stall-watch';
import { StallReach } from '../../../lib/util/stall-reach';

// A watch on a clock the test moves; its own timer ticks every limit/4 (10 ms here).
function watched(limitMs = 40): { watch: StallWatch; told: string[]; clock: { t: number } } {
  const clock = { t: 0 };
  const told: string[] = [];
  const watch = new StallWatch(limitMs, (why) => told.push(why), () => clock.t);
  return { watch, told, clock };
}

// Lets the watch's timer (every 10 ms) come round `n` times.
async function ticks(n: number): Promise<void> {
  let count = 0;
  const timer = setInterval(() => (count += 1), 10);
  await waitFor(() => count >= n, 'ticks of the watch');
  clearInterval(timer);
}

describe('StallWatch: what the remote owes, and the one message past the limit', () => {
  it('a wait not answered within the limit is told once, naming it', async () => {
    const { watch, told, clock } = watched();
    watch.wait("the remote's answer to the file");
    clock.t = 40;
    await waitFor(() => told.length > 0, 'the stall told');
    expect(told).toEqual(["the remote moved no byte for 0.04 s while scpipe waited for the remote's answer to the file (--stall-timeout)"]);
    expect(watch.reason).toBe(told[0]);
    clock.t = 1000;
    await ticks(3); // its timer stopped: nothing more
    expect(told).toHaveLength(1);
  });

  it('nothing owed (a wait answered, no write held) is never a stall, however long', async () => {
    const { watch, told, clock } = watched();
    watch.wait('an answer')();
    const out = new Writable({ write: (_c, _e, cb) => cb() });
    watch.watchWrites(out);
    clock.t = 10_000;
    await ticks(3);
    expect(told).toEqual([]);
    watch.stop();
  });

  it('bytes held for the window are owed; each drain is a move', async () => {
    const { watch, told, clock } = watched();
    const out = new PassThrough({ highWaterMark: 4 });
    watch.watchWrites(out);
    expect(out.write(Buffer.alloc(8))).toBe(false); // no room: owed from here
    clock.t = 30;
    out.read(); // the remote takes it
    await waitFor(() => !out.writableNeedDrain, 'the drain');
    expect(out.write(Buffer.alloc(8))).toBe(false); // owed again, seen at the next tick
    await ticks(3);
    clock.t = 69; // 39 ms since
    await ticks(3);
    expect(told).toEqual([]);
    clock.t = 70;
    await waitFor(() => told.length > 0, 'the stall told');
    expect(told[0]).toMatch(/waited for room in the channel window for the data/);
  });
});

describe('StallWatch: a window that opens bit by bit', () => {
  // ssh2's channel holds 2 MiB before write() says to wait, and drains only once
  // all of it went: over a slow link each opening of the window lets one piece
  // go long before that. Each piece taken is the remote moving.
  it('each piece the remote takes is a move, though no drain comes; a stop in them is a stall', async () => {
    const { watch, told, clock } = watched();
    const taken: Array<() => void> = [];
    const out = new Writable({ highWaterMark: 16, write: (_c, _e, cb) => void taken.push(cb) });
    watch.watchWrites(out);
    for (let i = 0; i < 4; i++) out.write(Buffer.alloc(8));
    expect(out.writableNeedDrain).toBe(true); // owed from here (t = 0)
    for (const t of [30, 60, 90]) {
      clock.t = t;
      taken.shift()!(); // one piece goes, the rest wait: no drain
      await waitFor(() => taken.length > 0, 'the next piece handed on');
      await ticks(3);
      expect(out.writableNeedDrain).toBe(true);
    }
    expect(told).toEqual([]);
    clock.t = 130; // 40 ms since the last piece went
    await waitFor(() => told.length > 0, 'the stall told');
    expect(told[0]).toMatch(/waited for room in the channel window for the data/);
  });
});

describe('StallWatch: a process that got no CPU for longer than the limit', () => {
  // A loaded machine: the remote answered in time, but the answer waits unread
  // in the socket while this process is not run; when it runs again its timers
  // come before the socket is read. The remote did not stall.
  it('an answer that came while it was starved is no stall', async () => {
    // A Unix socket (abstract: no file) puts a write in the peer's queue before write() returns.
    const path = `\0scpipe-stall-watch-${process.pid}`;
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(path, resolve));
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    const local = connect(path);
    const [remote] = await Promise.all([accepted, new Promise((resolve) => local.once('connect', resolve))]);
    const { watch, told, clock } = watched();
    try {
      const done = watch.wait("the server's answer");
      let answered = false;
      local.once('data', () => ((answered = true), done()));
      remote.write('x');
      clock.t = 1000; // the starved stretch, far past the limit
      const until = Date.now() + 50;
      while (Date.now() < until); // not run: the watch's timer (every 10 ms) is due before the socket is read
      await waitFor(() => answered, 'the answer read');
      await ticks(3);
      expect(told).toEqual([]);
    } finally {
      watch.stop();
      local.destroy();
      remote.destroy();
    }
    await new Promise((resolve) => server.close(resolve));
  });
});

describe('StallWatch: a channel among others on one connection (StallReach)', () => {
  it('a wait behind the other channels\' bytes is no stall until the remote is seen to have had it for the limit', async () => {
    const clock = { t: 0 };
    const told: string[] = [];
    const probes: Array<() => void> = [];
    const reach = new StallReach((answered) => (probes.push(answered), true), () => clock.t);
    const watch = new StallWatch(40, (why) => told.push(why), () => clock.t, reach);
    watch.wait("the remote's answer to the file's end");
    await waitFor(() => probes.length > 0, 'a probe sent');
    clock.t = 200; // five limits, the connection receiving for the other channels all along
    reach.heard();
    await ticks(3);
    expect(told).toEqual([]);
    probes[0]!(); // the remote had every byte sent before the probe
    reach.heard();
    clock.t = 230;
    await ticks(3);
    expect(told).toEqual([]);
    clock.t = 240;
    await waitFor(() => told.length > 0, 'the stall told');
    expect(told[0]).toMatch(/^the remote moved no byte for 0\.04 s while scpipe waited for the remote's answer to the file's end/);
    watch.stop();
  });
});
