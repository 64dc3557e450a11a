// NameTap frames the SFTP replies alongside ssh2 and keeps the names of the
// NAME replies asked for as their bytes, whatever the chunks it is fed.
import { NameTap } from '../../../lib/sftp/name-bytes';

const u32 = (n: number): Buffer => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
const str = (b: Buffer): Buffer => Buffer.concat([u32(b.length), b]);
const packet = (type: number, reqid: number, body: Buffer): Buffer => Buffer.concat([u32(body.length + 5), Buffer.from([type]), u32(reqid), body]);

// NAME for request 7: f\xfe (with size and mode), f\xff (no attributes), ok (an extended pair).
const NAMES = [Buffer.from('f\xfe', 'latin1'), Buffer.from('f\xff', 'latin1'), Buffer.from('ok')];
const nameReply = packet(104, 7, Buffer.concat([
  u32(3),
  str(NAMES[0]!), str(Buffer.from('-rw-r--r-- f')), u32(5), Buffer.alloc(8), u32(0o100644),
  str(NAMES[1]!), str(Buffer.from('')), u32(0),
  str(NAMES[2]!), str(Buffer.from('')), u32(0x80000000), u32(1), str(Buffer.from('a@b')), str(Buffer.from('c')),
]));
// Before it: DATA for request 6 and a NAME for request 5, which was not asked for.
const stream = Buffer.concat([packet(103, 6, str(Buffer.alloc(300, 0xfe))), packet(104, 5, Buffer.concat([u32(1), str(NAMES[0]!), str(Buffer.alloc(0)), u32(0)])), nameReply]);
const decoded = NAMES.map((n) => ({ filename: n.toString('utf8') }));

describe('NameTap', () => {
  it.each([1, 2, 3, 5, 9, 13, 64, stream.length])('keeps the bytes of the names asked for, fed in chunks of %i', (size) => {
    const tap = new NameTap();
    tap.expect(7);
    for (let at = 0; at < stream.length; at += size) tap.feed(stream.subarray(at, at + size));
    expect(tap.take(7, decoded)!.map((n) => n.filename)).toEqual(['f\uDCFE', 'f\uDCFF', 'ok']);
    expect(tap.take(7, decoded)).toBe(decoded); // taken once
  });

  it('gives the names as ssh2 decoded them where they do not match the bytes', () => {
    const tap = new NameTap();
    tap.expect(7);
    tap.feed(nameReply);
    const other = [{ filename: 'x' }, ...decoded.slice(1)];
    expect(tap.take(7, other)).toBe(other);
  });
});
