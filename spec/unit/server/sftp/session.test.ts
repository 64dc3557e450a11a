// runSftpSession() over an in-memory channel: replies in request order, a
// client that stops reading stops the session from reading (bounded memory),
// malformed input ends the session, a closed channel closes every handle, and
// a draining server's session ends once quiet, whatever the wall clock does.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getEventListeners } from 'node:events';
import type { ServerChannel } from 'ssh2';
import { waitFor } from '../../../helpers/async';
import { FakeSftpChannel as FakeChannel } from '../../../helpers/fake-sftp-channel';
import { Jail } from '../../../../lib/server/jail';
import { MAX_QUEUED } from '../../../../lib/server/sftp/request-queue';
import { QUIET_MS, runSftpSession } from '../../../../lib/server/sftp/session';
import { UploadOwners } from '../../../../lib/server/sftp/upload-owners';
import { MAX_RUNNING } from '../../../../lib/server/sftp/scheduler';
import { MAX_STATUS_TEXT } from '../../../../lib/server/sftp/status';
import { ATTR, PacketWriter, REQ, RES } from '../../../../lib/server/sftp/wire';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'scpipe-test-sftpsession-'));
  await writeFile(join(root, 'data'), Buffer.alloc(1024 * 1024, 1));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const init = (): Buffer => new PacketWriter().u8(REQ.INIT).u32(3).finish();
const openRead = (id: number, path: string): Buffer => new PacketWriter().u8(REQ.OPEN).u32(id).string(path).u32(1).u32(0).finish();
const read = (id: number, handle: Buffer, offset: number, len: number): Buffer =>
  new PacketWriter().u8(REQ.READ).u32(id).string(handle).u64(BigInt(offset)).u32(len).finish();
const idOf = (reply: Buffer): number => reply.readUInt32BE(1);

function start(opts: { readOnly?: boolean; appendOnly?: boolean; drain?: AbortSignal } = {}): { channel: FakeChannel; log: string[]; done: Promise<void> } {
  const channel = new FakeChannel();
  const log: string[] = [];
  const done = runSftpSession(channel as unknown as ServerChannel, {
    jail: new Jail(root),
    readOnly: opts.readOnly ?? false,
    appendOnly: opts.appendOnly ?? false,
    owners: new UploadOwners(),
    drain: opts.drain,
    verbose: false,
    log: (l) => log.push(l),
    who: 'me@test',
    clientIdent: 'SSH-2.0-OpenSSH_9.2',
  });
  return { channel, log, done };
}

async function openHandle(channel: FakeChannel, id: number): Promise<Buffer> {
  channel.send(openRead(id, '/data'));
  await waitFor(() => channel.replies.some((r) => idOf(r) === id && r[0] === RES.HANDLE), 'the handle');
  const reply = channel.replies.find((r) => idOf(r) === id)!;
  return reply.subarray(9, 9 + reply.readUInt32BE(5));
}

it('answers VERSION 3 with the OpenSSH extensions, and READs in request order', async () => {
  const { channel } = start();
  channel.send(init());
  await waitFor(() => channel.replies.length === 1, 'VERSION');
  expect(channel.replies[0]![0]).toBe(RES.VERSION);
  expect(channel.replies[0]!.toString('latin1')).toContain('posix-rename@openssh.com');
  expect(channel.replies[0]!.toString('latin1')).toContain('limits@openssh.com');
  const handle = await openHandle(channel, 1);
  for (let i = 0; i < 32; i++) channel.send(read(100 + i, handle, (31 - i) * 32768, 32768));
  await waitFor(() => channel.replies.length === 34, 'every READ answered');
  expect(channel.replies.slice(2).map(idOf)).toEqual(Array.from({ length: 32 }, (_, i) => 100 + i));
  expect(channel.replies.slice(2).every((r) => r[0] === RES.DATA && r.readUInt32BE(5) === 32768)).toBe(true);
});

it('stops reading requests while the client does not read replies, and catches up after', async () => {
  const { channel } = start();
  channel.send(init());
  const handle = await openHandle(channel, 1);
  channel.stalled = true;
  const total = 400;
  let sent = 0;
  // The client sends while the session reads (ssh2 would stop refilling its window otherwise).
  const feed = (): void => {
    while (sent < total && !channel.isPaused()) channel.send(read(1000 + sent++, handle, 0, 64 * 1024));
  };
  feed();
  await waitFor(() => channel.isPaused(), 'the session pauses the channel');
  // Replies written while stalled: one the channel took, then those already running.
  expect(channel.replies.length - 2).toBeLessThanOrEqual(MAX_RUNNING + 1);
  expect(sent).toBeLessThanOrEqual(MAX_QUEUED + MAX_RUNNING + 2);
  expect(channel.writableLength).toBeLessThanOrEqual((MAX_RUNNING + 1) * (64 * 1024 + 64));
  channel.on('resume', () => setImmediate(feed));
  channel.unstall();
  await waitFor(() => channel.replies.length === total + 2, 'every READ answered after the client reads again', 30_000);
  expect(channel.replies.slice(2).map(idOf)).toEqual(Array.from({ length: total }, (_, i) => 1000 + i));
});

it('ends the session on a malformed packet', async () => {
  const { channel, log, done } = start();
  channel.send(init());
  channel.send(new PacketWriter().u8(REQ.OPEN).u32(1).u32(5).finish()); // a path of 5 bytes that are not there
  await done;
  expect(channel.destroyed).toBe(true);
  expect(log.join('\n')).toMatch(/sftp session ended: packet too short/);
});

it('answers an unknown request type with OP_UNSUPPORTED and goes on', async () => {
  const { channel } = start();
  channel.send(init());
  channel.send(new PacketWriter().u8(99).u32(7).finish());
  await waitFor(() => channel.replies.length === 2, 'a reply');
  expect(channel.replies[1]![0]).toBe(RES.STATUS);
  expect(channel.replies[1]!.readUInt32BE(5)).toBe(8);
});

// Its reply went out at once, ahead of the replies of requests that came
// before it in the same data and had not started yet.
it('answers an unknown request type in its turn, after the requests sent before it', async () => {
  const { channel } = start();
  channel.send(init());
  await waitFor(() => channel.replies.length === 1, 'VERSION');
  const stat = new PacketWriter().u8(REQ.STAT).u32(1).string('/data').finish();
  channel.send(Buffer.concat([stat, stat, new PacketWriter().u8(99).u32(2).finish()]));
  await waitFor(() => channel.replies.length === 4, 'three replies');
  expect(channel.replies.slice(1).map((r) => [r[0], idOf(r)])).toEqual([[RES.ATTRS, 1], [RES.ATTRS, 1], [RES.STATUS, 2]]);
});

it('closes every handle when the channel closes, with a log line per file', async () => {
  const { channel, log, done } = start();
  channel.send(init());
  for (let i = 1; i <= 3; i++) await openHandle(channel, i);
  channel.destroy();
  await done;
  expect(log.filter((l) => /sftp download \/data 0 bytes not closed: the session ended with the file open/.test(l))).toHaveLength(3);
});

it('refuses a write open on a read-only server with permission denied', async () => {
  const { channel } = start({ readOnly: true });
  channel.send(init());
  channel.send(new PacketWriter().u8(REQ.OPEN).u32(5).string('/new').u32(0x1a).u32(ATTR.PERMISSIONS).u32(0o644).finish());
  await waitFor(() => channel.replies.length === 2, 'a reply');
  expect(idOf(channel.replies[1]!)).toBe(5);
  expect(channel.replies[1]!.readUInt32BE(5)).toBe(3);
  expect(channel.replies[1]!.toString('latin1')).toContain('read-only server');
});

// While the server stops, a session ends once quiet for QUIET_MS, timed by the
// monotonic clock: by the wall clock, one stepped forward (NTP, a resumed VM)
// ended it at once, under a client between two files; one stepped back held it
// for the step.
describe('the quiet time of a draining server', () => {
  afterEach(() => jest.restoreAllMocks());
  const stepWallClock = (ms: number): void => {
    const real = Date.now.bind(Date);
    jest.spyOn(Date, 'now').mockImplementation(() => real() + ms);
  };
  const stat = (id: number): Buffer => new PacketWriter().u8(REQ.STAT).u32(id).string('/data').finish();

  it('is not cut short by the wall clock stepped forward an hour', async () => {
    const drain = new AbortController();
    const { channel, done } = start({ drain: drain.signal });
    channel.send(init());
    await waitFor(() => channel.replies.length === 1, 'VERSION');
    stepWallClock(3_600_000);
    drain.abort();
    channel.send(stat(2)); // the next request, at once
    await waitFor(() => channel.replies.length === 2, 'the STAT answered', QUIET_MS / 2);
    expect(channel.replies[1]![0]).toBe(RES.ATTRS);
    await done;
  });

  it('is not held for the step of a wall clock stepped back an hour', async () => {
    const drain = new AbortController();
    const { channel, done } = start({ drain: drain.signal });
    let ended = false;
    void done.then(() => (ended = true));
    channel.send(init());
    await waitFor(() => channel.replies.length === 1, 'VERSION');
    stepWallClock(-3_600_000);
    drain.abort();
    await waitFor(() => ended, 'the session ended once quiet', QUIET_MS + 3_000);
    expect(channel.exitCode).toBe(0);
  });
});

// An append-only refusal is logged whatever -v says, and it named the
// client's path whole: a 200 KiB name of control characters made a log line
// of 800 KiB per request, and a reply too long for any client to read.
it('keeps the log line and the reply of a refusal short, whatever the length of the path named', async () => {
  const { channel, log } = start({ appendOnly: true });
  channel.send(init());
  const long = `/${'\x1b'.repeat(200 * 1024)}`;
  channel.send(new PacketWriter().u8(REQ.SYMLINK).u32(9).string('/data').string(long).finish());
  await waitFor(() => channel.replies.length === 2, 'a reply');
  const reply = channel.replies[1]!;
  expect([idOf(reply), reply.readUInt32BE(5)]).toEqual([9, 3]);
  const message = reply.subarray(13, 13 + reply.readUInt32BE(9)).toString('utf8');
  expect(message.length).toBeLessThanOrEqual(MAX_STATUS_TEXT);
  // The reply names the path unescaped, as the client escapes it; the log escaped.
  expect(message).toMatch(/^\/\x1b+….*: append-only server: links are not made$/);
  expect(log).toHaveLength(1);
  expect(log[0]!.length).toBeLessThan(MAX_STATUS_TEXT + 100);
  expect(log[0]).toMatch(/sftp symlink refused: \/(\\x1b)+….*links are not made$/);
});

// The drain signal is the server's, for its whole life: a listener left on it
// kept each ended session (its channel, handles, buffers) for as long.
it('stops listening for the server\'s drain once the session ended', async () => {
  const drain = new AbortController();
  for (let i = 0; i < 3; i++) {
    const { channel, done } = start({ drain: drain.signal });
    channel.send(init());
    await openHandle(channel, 1);
    channel.destroy();
    await done;
  }
  expect(getEventListeners(drain.signal, 'abort')).toHaveLength(0);
});
