// widenReceiveWindow() against an in-process ssh2 Server, with a real round
// trip from the latency proxy in between: the window grows to the round trip
// × 1 MiB/ms (capped at RECEIVE_WINDOW), a stalled reader stops the server
// after at most the window, and every byte arrives in order. The same for the
// server's side of an upload (`scpipe serve`). A remote command that is slow
// to start is not a long link: the client keeps ssh2's window.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { Client, Server } from 'ssh2';
import { execChannel } from '../../../lib/transport/ssh2-exec';
import { startLatencyProxy, type Proxy } from '../../helpers/latency-proxy';
import { RECEIVE_WINDOW, widenReceiveWindow, windowFor } from '../../../lib/transport/ssh2-window';
import { generateHostKeyPair } from '../../../lib/server/host-key';

const MiB = 1 << 20;

// A server whose exec channel acts as `scp -f`: it waits for the client's
// first byte (the \0 that starts a download) and then `delayMs` more (the
// command starting), then writes `total` bytes with backpressure.
async function serve(total: number, delayMs: number): Promise<{ server: Server; port: number; sent: () => number }> {
  const hostKey = generateHostKeyPair().private;
  let sent = 0;
  const server = new Server({ hostKeys: [hostKey] }, (conn) => {
    conn.on('error', () => undefined); // the proxy's sockets close abruptly
    conn.on('authentication', (ctx) => ctx.accept());
    conn.on('ready', () => conn.on('session', (accept) => {
      accept().on('exec', async (acc) => {
        const stream = acc();
        await once(stream, 'data');
        await new Promise((r) => setTimeout(r, delayMs));
        for (let i = 0; i < total / MiB; i++) {
          sent += MiB;
          if (!stream.write(block(i))) await new Promise((r) => stream.once('drain', r));
        }
        stream.exit(0);
        stream.end();
      });
    }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, sent: () => sent };
}
const block = (i: number): Buffer => Buffer.alloc(MiB, i & 0xff);

interface Received {
  maxWindow: number;
  maxBuffered: number;
  sentWhileStalled: number;
  sha: string;
  bytes: number;
  /** How the stream ended: 'eof' (the sender's EOF), or 'closed' (the channel or the connection went first). */
  ended: string;
  /** From just before the window was set up to the first data: what it can have been sized for, at most. */
  firstDataMs: number;
}

// The receiving side of both directions: reads nothing for `stallMs` (the
// sender fills the window), then everything, watching the window and the
// bytes buffered; `sent` says what the sender has written so far, and
// `setUpAt` is the time taken just before widenReceiveWindow ran.
async function receiveAfterStall(stream: Readable, stallMs: number, sent: () => number, setUpAt: number): Promise<Received> {
  const raw = stream as unknown as { readableLength: number; incoming: { window: number; state: string }; push: Readable['push'] };
  let firstDataMs = NaN;
  let ended = '';
  // Watches ssh2's pushes: the first data, and the state of the channel at
  // the end of the stream ('eof' for the sender's EOF, 'closed' when the
  // channel or connection closed without one). widenReceiveWindow's own
  // wrapper comes first and puts ssh2's push back on the first data; this
  // one stays in front.
  let inner = raw.push;
  const watch = function (this: Readable, ...args: Parameters<Readable['push']>): boolean {
    if (args[0] === null) ended ||= raw.incoming.state;
    else if (Number.isNaN(firstDataMs)) firstDataMs = performance.now() - setUpAt;
    const result = inner.apply(this, args);
    if (raw.push !== watch) {
      inner = raw.push;
      raw.push = watch;
    }
    return result;
  };
  raw.push = watch;

  let maxWindow = 0;
  let maxBuffered = 0;
  const probe = setInterval(() => {
    maxBuffered = Math.max(maxBuffered, raw.readableLength);
    maxWindow = Math.max(maxWindow, raw.incoming.window);
  }, 2);
  await new Promise((r) => setTimeout(r, stallMs)); // nobody reads
  const sentWhileStalled = sent();
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
    maxWindow = Math.max(maxWindow, raw.incoming.window);
  }
  clearInterval(probe);
  return { maxWindow, maxBuffered, sentWhileStalled, sha: hash.digest('hex'), bytes, firstDataMs, ended };
}

// Connects a client to `port`, through a latency proxy when `rttMs` > 0.
async function connect(port: number, rttMs: number): Promise<{ client: Client; close(): Promise<void> }> {
  const proxy: Proxy | undefined = rttMs > 0 ? await startLatencyProxy(port, rttMs) : undefined;
  const client = new Client();
  await new Promise<void>((r) => client.once('ready', () => r()).connect({ host: '127.0.0.1', port: proxy?.port ?? port, username: 'u', password: 'p' }));
  client.setNoDelay(true); // as lib/transport/tcp.ts: no 40 ms Nagle delay on small messages
  return {
    client,
    close: async () => {
      client.on('error', () => undefined); // the proxy's sockets go first
      client.end();
      await proxy?.close();
    },
  };
}

// A download of 48 MiB over a link of `rttMs`, from a command that starts
// `startMs` late; the client reads nothing for `stallMs` after that.
async function download(rttMs: number, stallMs: number, startMs = 0): Promise<Received & { execMs: number }> {
  const total = 48 * MiB;
  const { server, port, sent } = await serve(total, startMs);
  const { client, close } = await connect(port, rttMs);
  try {
    const setUpAt = performance.now();
    const ch = await execChannel(client, 'x');
    const execMs = performance.now() - setUpAt; // the channel open and the exec request
    ch.stderr.resume();
    ch.stdin.write('\0');
    const received = await receiveAfterStall(ch.stdout, rttMs + startMs + stallMs, sent, setUpAt);
    expect(await ch.exit).toEqual({ code: 0, signal: null });
    return { ...received, execMs };
  } finally {
    await close();
    server.close();
  }
}

function expectedSha(total: number): string {
  const h = createHash('sha256');
  for (let i = 0; i < total / MiB; i++) h.update(block(i));
  return h.digest('hex');
}

// A server that widens its exec channel's window and answers with \0, as
// `scp -t` does; over a link of `rttMs`, the client writes `total` bytes
// with backpressure once that \0 arrives; the server reads nothing for
// `stallMs`, then everything.
async function upload(rttMs: number, stallMs: number): Promise<Received> {
  const total = 48 * MiB;
  const hostKey = generateHostKeyPair().private;
  let finish: (r: Received) => void;
  const received = new Promise<Received>((r) => (finish = r));
  let sent = 0;
  const server = new Server({ hostKeys: [hostKey] }, (conn) => {
    (conn as unknown as { setNoDelay(on: boolean): void }).setNoDelay(true); // as the client's socket (lib/transport/tcp.ts): no 40 ms Nagle delay on the \0
    conn.on('error', () => undefined); // the proxy's sockets close abruptly
    conn.on('authentication', (ctx) => ctx.accept());
    conn.on('ready', () => conn.on('session', (accept) => {
      accept().on('exec', async (acc) => {
        const stream = acc();
        const setUpAt = performance.now();
        widenReceiveWindow(stream, RECEIVE_WINDOW);
        stream.write('\0');
        const result = await receiveAfterStall(stream, rttMs + stallMs, () => sent, setUpAt);
        stream.end();
        finish(result);
      });
    }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { client, close } = await connect((server.address() as AddressInfo).port, rttMs);
  try {
    const ch = await execChannel(client, 'x');
    ch.stderr.resume();
    const [ack] = (await once(ch.stdout, 'data')) as [Buffer];
    expect(ack).toEqual(Buffer.from('\0'));
    // A small first write, as scp's C record: in one process, the server
    // would otherwise see the first byte only after the client has encrypted
    // its first megabytes, and size the window for that delay.
    ch.stdin.write(block(0).subarray(0, 64));
    await new Promise((r) => setImmediate(r));
    ch.stdin.write(block(0).subarray(64));
    sent += MiB;
    for (let i = 1; i < total / MiB; i++) {
      sent += MiB;
      if (!ch.stdin.write(block(i))) await new Promise((r) => ch.stdin.once('drain', r));
    }
    ch.stdin.end();
    return await received;
  } finally {
    await close();
    server.close();
  }
}

describe.each([
  ['a client channel (downloads)', download],
  ['a server channel (serve, uploads)', upload],
])('widenReceiveWindow on %s', (_name, transfer) => {
  it('at a 25 ms round trip: a 16 MiB window; a stalled reader holds at most that', async () => {
    const r = await transfer(25, 1000);
    expect({ bytes: r.bytes, ended: r.ended }).toEqual({ bytes: 48 * MiB, ended: 'eof' });
    expect(r.sha).toBe(expectedSha(48 * MiB));
    expect(r.maxWindow).toBe(RECEIVE_WINDOW);
    expect(r.maxBuffered).toBeLessThanOrEqual(RECEIVE_WINDOW + 2 * MiB);
    expect(r.sentWhileStalled).toBeLessThanOrEqual(RECEIVE_WINDOW + 2 * MiB + 2 * MiB); // + the sender's stream buffer
  }, 60_000);

  it('at no round trip: a window near ssh2\'s own 2 MiB (a bigger one only costs an OpenSSH server CPU there)', async () => {
    const r = await transfer(0, 300);
    expect(r.sha).toBe(expectedSha(48 * MiB));
    // The first byte's delay here is this process's own latency: a few ms, so
    // a few MiB (windowFor, below, pins the arithmetic). On a loaded machine
    // it can be 16 ms or more, and then the cap is right: the window is
    // bounded by the delay seen, not by a constant.
    expect(r.maxWindow).toBeGreaterThanOrEqual(2 * MiB);
    expect(r.maxWindow).toBeLessThanOrEqual(windowFor(r.firstDataMs, 2 * MiB, RECEIVE_WINDOW));
    expect(r.maxBuffered).toBeLessThanOrEqual(r.maxWindow + 2 * MiB);
  }, 60_000);
});

describe('widenReceiveWindow on a client channel', () => {
  it("keeps ssh2's 2 MiB window for a command that starts 25 ms late on a link without delay (start-up is not a round trip)", async () => {
    // The first byte comes 25 ms after the exec, which alone would size the
    // window for a 25 ms link (16 MiB); the open and exec round trips say the
    // link is fast. On loopback, a larger window only costs an OpenSSH sshd CPU.
    const r = await download(0, 300, 25);
    expect(r.sha).toBe(expectedSha(48 * MiB));
    expect(r.firstDataMs).toBeGreaterThanOrEqual(25);
    // Half the exec's two round trips: ~1 ms here, so ssh2's 2 MiB (more only
    // if a loaded machine made the exec itself slow).
    expect(r.maxWindow).toBeGreaterThanOrEqual(2 * MiB);
    expect(r.maxWindow).toBeLessThanOrEqual(windowFor(r.execMs / 2, 2 * MiB, RECEIVE_WINDOW));
  }, 60_000);
});

describe('widenReceiveWindow on the channels of one connection', () => {
  it('shares one budget: two downloads at once get half of RECEIVE_WINDOW each, a later one alone the whole', async () => {
    // Several channels each with the whole window made OpenSSH's sshd hold
    // (and copy) that much per channel where the link drained slowly: a
    // parts set's get took 2-5 times as long as `scp -O` of the same bytes.
    const total = 24 * MiB;
    const { server, port, sent } = await serve(total, 0);
    const { client, close } = await connect(port, 25);
    type Raw = { incoming: { window: number }; outgoing: { state: string } };
    try {
      const both = await Promise.all([execChannel(client, 'x'), execChannel(client, 'x')]);
      const raws = both.map((ch) => ch.stdout as unknown as Raw);
      let maxWhileBoth = 0;
      const probe = setInterval(() => {
        if (raws.every((r) => r.outgoing.state === 'open')) maxWhileBoth = Math.max(maxWhileBoth, ...raws.map((r) => r.incoming.window));
      }, 1);
      const setUpAt = performance.now();
      for (const ch of both) {
        ch.stderr.resume();
        ch.stdin.write('\0');
      }
      const received = await Promise.all(both.map((ch) => receiveAfterStall(ch.stdout, 25, sent, setUpAt)));
      clearInterval(probe);
      for (const ch of both) expect(await ch.exit).toEqual({ code: 0, signal: null });
      for (const r of received) {
        expect({ bytes: r.bytes, sha: r.sha }).toEqual({ bytes: total, sha: expectedSha(total) });
      }
      expect(maxWhileBoth).toBeGreaterThan(2 * MiB); // still widened
      expect(maxWhileBoth).toBeLessThanOrEqual(RECEIVE_WINDOW / 2);

      const alone = await execChannel(client, 'x');
      alone.stderr.resume();
      alone.stdin.write('\0');
      const r = await receiveAfterStall(alone.stdout, 25, sent, performance.now());
      expect(await alone.exit).toEqual({ code: 0, signal: null });
      expect(r.sha).toBe(expectedSha(total));
      expect(r.maxWindow).toBe(RECEIVE_WINDOW);
    } finally {
      await close();
      server.close();
    }
  }, 60_000);
});

describe('windowFor', () => {
  it('sizes the window as round trip × 1 MiB/ms, between ssh2\'s window and the cap (windowFor)', () => {
    const floor = 2 * MiB;
    expect(windowFor(0, floor, RECEIVE_WINDOW)).toBe(floor);
    expect(windowFor(1.5, floor, RECEIVE_WINDOW)).toBe(floor);
    expect(windowFor(5, floor, RECEIVE_WINDOW)).toBe(5 * MiB);
    expect(windowFor(10.4, floor, RECEIVE_WINDOW)).toBe(Math.round(10.4 * MiB));
    expect(windowFor(16, floor, RECEIVE_WINDOW)).toBe(RECEIVE_WINDOW);
    expect(windowFor(250, floor, RECEIVE_WINDOW)).toBe(RECEIVE_WINDOW);
  });
});
