// decodeRequest(): each request as OpenSSH's clients encode it, SYMLINK's two
// orders, extensions, and malformed packets.
import { toBytes } from '../../../../lib/util/byte-text';
import { decodeRequest, opensshSymlinkOrder, type Req } from '../../../../lib/server/sftp/requests';
import { ATTR, BadPacket, PacketWriter, REQ } from '../../../../lib/server/sftp/wire';

const openssh = { opensshSymlinkOrder: true };
const payload = (w: PacketWriter): Buffer => w.finish().subarray(4);

it('decodes OPEN with its flags and permissions', () => {
  const p = payload(new PacketWriter().u8(REQ.OPEN).u32(9).string('/up').u32(0x1a).u32(ATTR.PERMISSIONS).u32(0o100640));
  expect(decodeRequest(p, openssh)).toEqual({ id: 9, op: 'open', path: '/up', pflags: 0x1a, attrs: { mode: 0o100640 } });
});

it('decodes WRITE with a 64-bit offset and SETSTAT with every attribute', () => {
  const w = payload(new PacketWriter().u8(REQ.WRITE).u32(1).string(Buffer.from([0, 0, 0, 1])).u64(2n ** 40n).string('abc'));
  expect(decodeRequest(w, openssh)).toMatchObject({ op: 'write', offset: 2n ** 40n, data: Buffer.from('abc') });
  const s = payload(
    new PacketWriter().u8(REQ.SETSTAT).u32(2).string('f').u32(ATTR.SIZE | ATTR.UIDGID | ATTR.PERMISSIONS | ATTR.ACMODTIME | ATTR.EXTENDED)
      .u64(5n).u32(1).u32(2).u32(0o644).u32(10).u32(20).u32(1).string('k').string('v'),
  );
  expect(decodeRequest(s, openssh)).toEqual({ id: 2, op: 'setstat', path: 'f', attrs: { size: 5n, uid: 1, gid: 2, mode: 0o644, atime: 10, mtime: 20 } });
});

it("reads SYMLINK's paths in OpenSSH's order (target first) from OpenSSH, else the draft's", () => {
  const p = payload(new PacketWriter().u8(REQ.SYMLINK).u32(3).string('first').string('second'));
  expect(decodeRequest(p, openssh)).toMatchObject({ op: 'symlink', target: 'first', link: 'second' });
  expect(decodeRequest(p, { opensshSymlinkOrder: false })).toMatchObject({ op: 'symlink', link: 'first', target: 'second' });
});

// paramiko and libssh2 (curl) send OpenSSH's order to every server: read as
// the draft's, their `ln -s tgt lnk` made a link named tgt, or failed on it.
it("takes SYMLINK's order from the client's identification", () => {
  for (const ident of ['SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3', 'SSH-2.0-paramiko_2.12.0', 'SSH-2.0-libssh2_1.10.0', 'SSH-2.0-Go', 'SSH-2.0-JSCH-0.1.54']) {
    expect([ident, opensshSymlinkOrder(ident)]).toEqual([ident, true]);
  }
  for (const ident of ['SSH-2.0-ssh2js1.17.0', 'SSH-2.0-libssh_0.10.4', 'SSH-2.0-WinSCP_release_6.3.5', 'SSH-2.0-GoAnywhere']) {
    expect([ident, opensshSymlinkOrder(ident)]).toEqual([ident, false]);
  }
});

it('decodes the OpenSSH extensions and marks others unsupported', () => {
  const ext = (name: string, w: (x: PacketWriter) => PacketWriter = (x) => x): Buffer => payload(w(new PacketWriter().u8(REQ.EXTENDED).u32(4).string(name)));
  expect(decodeRequest(ext('posix-rename@openssh.com', (w) => w.string('a').string('b')), openssh)).toEqual({ id: 4, op: 'posix-rename', from: 'a', to: 'b' });
  expect(decodeRequest(ext('limits@openssh.com'), openssh)).toEqual({ id: 4, op: 'limits' });
  expect(decodeRequest(ext('lsetstat@openssh.com', (w) => w.string('l').u32(ATTR.ACMODTIME).u32(5).u32(6)), openssh)).toEqual({ id: 4, op: 'lsetstat', path: 'l', attrs: { atime: 5, mtime: 6 } });
  expect(decodeRequest(ext('fsync@openssh.com', (w) => w.string(Buffer.alloc(4))), openssh)).toMatchObject({ op: 'fsync' });
  expect(decodeRequest(ext('copy-data'), openssh)).toEqual({ id: 4, op: 'unsupported', what: 'copy-data' });
});

it('throws BadPacket for a truncated packet, and marks an unknown type', () => {
  expect(() => decodeRequest(payload(new PacketWriter().u8(REQ.OPEN).u32(1).u32(100)), openssh)).toThrow(BadPacket);
  expect(decodeRequest(payload(new PacketWriter().u8(99).u32(1)), openssh)).toEqual({ id: 1, op: 'unknown-type', type: 99 });
});

// A Latin-1 path names the file of its bytes (util/byte-text.ts), never the
// U+FFFD form that another such name shares; U+FFFD sent as UTF-8 is itself.
it('keeps the bytes of a path that is not UTF-8 (in any field), apart from U+FFFD sent as UTF-8', () => {
  const open = payload(new PacketWriter().u8(REQ.OPEN).u32(5).string(Buffer.from('/n\xff', 'latin1')).u32(0x1a).u32(0));
  const opened = decodeRequest(open, openssh) as Req<'open'>;
  expect(opened).toMatchObject({ id: 5, op: 'open', pflags: 0x1a });
  expect(toBytes(opened.path)).toEqual(Buffer.from('/n\xff', 'latin1'));
  const rename = payload(new PacketWriter().u8(REQ.RENAME).u32(6).string('ok').string(Buffer.from('b\xe9', 'latin1')));
  const renamed = decodeRequest(rename, openssh) as Req<'rename'>;
  expect(toBytes(renamed.to)).toEqual(Buffer.from('b\xe9', 'latin1'));
  expect(renamed.to).not.toBe('b\uFFFD');
  const fine = payload(new PacketWriter().u8(REQ.LSTAT).u32(7).string('\uFEFFa\uFFFD'));
  expect(decodeRequest(fine, openssh)).toEqual({ id: 7, op: 'lstat', path: '\uFEFFa\uFFFD' });
});
