// SFTP v3 on the wire (draft-ietf-secsh-filexfer-02, as OpenSSH speaks it;
// docs/protocol.md §10): packet types, status codes, flags, and a bounds-
// checked reader for one packet's payload. Pure: no I/O.
import { fromBytes, toBytes } from '../../util/byte-text';

/** Request packet types (client to server). */
export const REQ = {
  INIT: 1,
  OPEN: 3,
  CLOSE: 4,
  READ: 5,
  WRITE: 6,
  LSTAT: 7,
  FSTAT: 8,
  SETSTAT: 9,
  FSETSTAT: 10,
  OPENDIR: 11,
  READDIR: 12,
  REMOVE: 13,
  MKDIR: 14,
  RMDIR: 15,
  REALPATH: 16,
  STAT: 17,
  RENAME: 18,
  READLINK: 19,
  SYMLINK: 20,
  EXTENDED: 200,
} as const;

/** Reply packet types (server to client). */
export const RES = {
  VERSION: 2,
  STATUS: 101,
  HANDLE: 102,
  DATA: 103,
  NAME: 104,
  ATTRS: 105,
  EXTENDED_REPLY: 201,
} as const;

/** SSH_FX_* status codes. */
export const STATUS = {
  OK: 0,
  EOF: 1,
  NO_SUCH_FILE: 2,
  PERMISSION_DENIED: 3,
  FAILURE: 4,
  BAD_MESSAGE: 5,
  NO_CONNECTION: 6,
  CONNECTION_LOST: 7,
  OP_UNSUPPORTED: 8,
} as const;
export type StatusCode = (typeof STATUS)[keyof typeof STATUS];

/** SSH_FXF_* open flags. */
export const OPEN_FLAG = { READ: 1, WRITE: 2, APPEND: 4, CREAT: 8, TRUNC: 0x10, EXCL: 0x20 } as const;

/** SSH_FILEXFER_ATTR_* flags. */
export const ATTR = { SIZE: 1, UIDGID: 2, PERMISSIONS: 4, ACMODTIME: 8, EXTENDED: 0x80000000 } as const;

/** OpenSSH's SFTP_MAX_MSG_LENGTH: a longer packet ends the session (sftp-server does the same). */
export const MAX_PACKET = 256 * 1024;
/** OpenSSH's SFTP_MAX_READ_LENGTH: longer reads are shortened to it. */
export const MAX_READ = MAX_PACKET - 1024;

/** A malformed packet: the session ends, as sftp-server's fatal() does. */
export class BadPacket extends Error {
  override readonly name = 'BadPacket';
}

/** Reads the fields of one packet payload; throws BadPacket past its end. */
export class PacketReader {
  private pos = 0;

  constructor(private readonly buf: Buffer) {}

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  u64(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  /** A length-prefixed byte string (a view into the packet, not a copy). */
  bytes(): Buffer {
    const len = this.u32();
    this.need(len);
    const v = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return v;
  }

  /** A length-prefixed string as UTF-8 (paths; OpenSSH sends the bytes it has). */
  string(): string {
    return this.bytes().toString('utf8');
  }

  /**
   * A path as its bytes (util/byte-text.ts): a Latin-1 name names the file
   * of those bytes, as in sftp-server, not the U+FFFD form of it.
   */
  path(): string {
    return fromBytes(this.bytes());
  }

  /** True when every byte was read. */
  done(): boolean {
    return this.pos === this.buf.length;
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new BadPacket('packet too short');
  }
}

/** Builds one packet: uint32 length, then the parts in order. */
export class PacketWriter {
  private readonly parts: Buffer[] = [];
  private size = 0;

  u8(v: number): this {
    return this.push(Buffer.from([v]));
  }

  u32(v: number): this {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32BE(v >>> 0);
    return this.push(b);
  }

  u64(v: bigint | number): this {
    const b = Buffer.allocUnsafe(8);
    b.writeBigUInt64BE(BigInt(v));
    return this.push(b);
  }

  /** A length-prefixed string (text, whose names go as their bytes, or raw bytes). */
  string(v: string | Buffer): this {
    const b = typeof v === 'string' ? toBytes(v) : v;
    this.u32(b.length);
    return this.push(b);
  }

  raw(b: Buffer): this {
    return this.push(b);
  }

  /** The packet with its length prefix. */
  finish(): Buffer {
    const head = Buffer.allocUnsafe(4);
    head.writeUInt32BE(this.size);
    return Buffer.concat([head, ...this.parts], this.size + 4);
  }

  private push(b: Buffer): this {
    this.parts.push(b);
    this.size += b.length;
    return this;
  }
}
