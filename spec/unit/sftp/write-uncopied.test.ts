// writeUncopied against ssh2's own SFTP client object (no connection: its
// channel packets are captured): the same bytes on the wire as ssh2's
// write(), the same window accounting, the same callbacks.
import { randomBytes } from 'node:crypto';
import { writeUncopied } from '../../../lib/sftp/write-uncopied';

interface Sent { id: number; data: Buffer }

interface Ssh2Sftp {
  _maxWriteLen: number;
  _writeReqid: number;
  _buffer: Buffer[];
  _waitWindow: boolean;
  _chunkcb: (() => void) | undefined;
  outgoing: { id: number; state: string; window: number; packetSize: number };
  write(handle: Buffer, buf: Buffer, off: number, len: number, pos: number, cb: (err?: Error) => void): void;
  fstat(handle: Buffer, cb: (err?: Error) => void): void;
  push(data: Buffer | null): void;
  on(event: string, listener: (...args: unknown[]) => void): void;
}

const SftpClass = (require('ssh2/lib/protocol/SFTP.js') as { SFTP: new (client: unknown, chanInfo: unknown, cfg: unknown) => Ssh2Sftp }).SFTP;

function fakeSftp(window = Number.MAX_SAFE_INTEGER, packetSize = 32768): { sftp: Ssh2Sftp; sent: Sent[] } {
  const sent: Sent[] = [];
  const client = { _protocol: { channelData: (id: number, data: Buffer) => void sent.push({ id, data: Buffer.from(data) }), channelClose: () => undefined } };
  const outgoing = { id: 7, state: 'open', window, packetSize };
  const incoming = { id: 0, state: 'open', window: Number.MAX_SAFE_INTEGER, packetSize: Number.MAX_SAFE_INTEGER };
  const sftp = new SftpClass(client, { type: 'sftp', incoming, outgoing }, {});
  sftp.on('error', () => undefined);
  sftp._maxWriteLen = 261120; // as OpenSSH's limits@openssh.com says
  return { sftp, sent };
}

// What ssh2's client does when the server adjusts the window (lib/client.js).
function adjustWindow(sftp: Ssh2Sftp, bytes: number): void {
  sftp.outgoing.window += bytes;
  if (sftp._waitWindow) {
    sftp._waitWindow = false;
    sftp._chunkcb?.call(sftp);
  }
}

function status(reqid: number, code: number, message = ''): Buffer {
  const msg = Buffer.from(message);
  const body = Buffer.alloc(1 + 4 + 4 + 4 + msg.length + 4);
  let p = body.writeUInt8(101, 0); // SSH_FXP_STATUS
  p = body.writeUInt32BE(reqid, p);
  p = body.writeUInt32BE(code, p);
  p = body.writeUInt32BE(msg.length, p);
  p += msg.copy(body, p);
  body.writeUInt32BE(0, p);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
}

// The server's SSH_FXP_VERSION 3, which ssh2 must see before any reply.
const VERSION = Buffer.from([0, 0, 0, 5, 2, 0, 0, 0, 3]);

const wire = (sent: Sent[]): Buffer => Buffer.concat(sent.map((s) => s.data));
const handle = Buffer.from('h-0001');

describe('writeUncopied', () => {
  it.each([1, 32768, 32769, 261120])('puts on the wire what ssh2 write() does (%i bytes, offset past 4 GiB)', (size) => {
    const data = randomBytes(size);
    const position = 5 * 2 ** 32 + 12345;
    const ours = fakeSftp();
    const theirs = fakeSftp();
    expect(writeUncopied(ours.sftp, handle, data, position, () => undefined)).toBe(true);
    theirs.sftp.write(handle, data, 0, data.length, position, () => undefined);
    expect(wire(ours.sent).equals(wire(theirs.sent))).toBe(true);
    expect(ours.sent.every((s) => s.id === 7 && s.data.length <= 32768)).toBe(true);
    expect(ours.sftp.outgoing.window).toBe(theirs.sftp.outgoing.window);
  });

  it('answers through the request table: OK, then a failure with its status code', () => {
    const { sftp } = fakeSftp();
    const results: (Error | undefined)[] = [];
    writeUncopied(sftp, handle, Buffer.from('abc'), 0, (err) => results.push(err));
    writeUncopied(sftp, handle, Buffer.from('def'), 3, (err) => results.push(err));
    sftp.push(VERSION);
    sftp.push(status(1, 4, 'Failure')); // ssh2 numbers requests from 0
    sftp.push(status(0, 0));
    expect(results).toHaveLength(2);
    expect(results[0]).toMatchObject({ message: 'Failure', code: 4 });
    expect(results[1]).toBeUndefined();
  });

  it('fails what is pending when the channel ends', () => {
    const { sftp } = fakeSftp();
    const results: (Error | undefined)[] = [];
    writeUncopied(sftp, handle, Buffer.from('abc'), 0, (err) => results.push(err));
    sftp.push(null);
    expect(results).toHaveLength(1);
    expect(results[0]).toBeInstanceOf(Error);
  });

  // Every split of a spent window: the bytes still come out whole and in
  // order, an ssh2 request made meanwhile (fstat) queues behind them, and
  // nothing goes beyond the window.
  it.each([0, 1, 20, 21, 40, 100, 150])('keeps to the window and the order when it runs out after %i bytes', (window) => {
    const first = randomBytes(100);
    const second = randomBytes(50);
    const ours = fakeSftp(window, 16);
    const theirs = fakeSftp(Number.MAX_SAFE_INTEGER, 16);
    writeUncopied(ours.sftp, handle, first, 0, () => undefined);
    ours.sftp.fstat(handle, () => undefined);
    writeUncopied(ours.sftp, handle, second, 100, () => undefined);
    theirs.sftp.write(handle, first, 0, first.length, 0, () => undefined);
    theirs.sftp.fstat(handle, () => undefined);
    theirs.sftp.write(handle, second, 0, second.length, 100, () => undefined);
    const expected = wire(theirs.sent);
    let allowed = window;
    for (let round = 0; round < 100 && wire(ours.sent).length < expected.length; round++) {
      expect(wire(ours.sent).length).toBeLessThanOrEqual(allowed);
      allowed += 7;
      adjustWindow(ours.sftp, 7);
    }
    expect(wire(ours.sent).equals(expected)).toBe(true);
    expect(ours.sent.every((s) => s.data.length <= 16)).toBe(true);
    expect(ours.sftp._buffer).toHaveLength(0);
  });

  it('leaves ssh2 to it where its internals are not there or the request is too long', () => {
    expect(writeUncopied({}, handle, Buffer.from('x'), 0, () => undefined)).toBe(false);
    const { sftp, sent } = fakeSftp();
    expect(writeUncopied(sftp, handle, Buffer.alloc(sftp._maxWriteLen + 1), 0, () => undefined)).toBe(false);
    expect(writeUncopied(sftp, handle, Buffer.alloc(0), 0, () => undefined)).toBe(false);
    expect(sent).toHaveLength(0);
  });
});
