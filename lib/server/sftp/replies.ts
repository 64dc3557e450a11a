// Encodes the server's SFTP replies. Pure: each returns one whole packet.
// ssh2's own server-side SFTP sends VERSION without extensions and has no
// EXTENDED_REPLY, which OpenSSH's clients need for posix-rename, statvfs
// (`df`) and limits; so the server encodes its replies here.
import type { Said } from '../../util/said';
import type { Stats } from 'node:fs';
import { toBytes } from '../../util/byte-text';
import { writeAttrs, writeNoAttrs, type StatLike } from './attrs';
import { MAX_PACKET, MAX_READ, PacketWriter, RES, STATUS, type StatusCode } from './wire';

/** VERSION 3 with the extensions we answer. */
export function versionReply(extensions: ReadonlyArray<[string, string]>): Buffer {
  const w = new PacketWriter().u8(RES.VERSION).u32(3);
  for (const [name, version] of extensions) w.string(name).string(version);
  return w.finish();
}

const STATUS_TEXT: Record<StatusCode, string> = {
  [STATUS.OK]: 'Success',
  [STATUS.EOF]: 'End of file',
  [STATUS.NO_SUCH_FILE]: 'No such file',
  [STATUS.PERMISSION_DENIED]: 'Permission denied',
  [STATUS.FAILURE]: 'Failure',
  [STATUS.BAD_MESSAGE]: 'Bad message',
  [STATUS.NO_CONNECTION]: 'No connection',
  [STATUS.CONNECTION_LOST]: 'Connection lost',
  [STATUS.OP_UNSUPPORTED]: 'Operation unsupported',
};

/** STATUS with a message (sftp-server's generic text when none is given) and an empty language tag. */
export function statusReply(id: number, code: StatusCode, message?: Said): Buffer {
  // The wire form: the client escapes what it prints, as OpenSSH's sftp does (docs/serve.md).
  return new PacketWriter().u8(RES.STATUS).u32(id).u32(code).string(message?.wire ?? STATUS_TEXT[code]).string('').finish();
}

export function handleReply(id: number, handle: Buffer): Buffer {
  return new PacketWriter().u8(RES.HANDLE).u32(id).string(handle).finish();
}

export function dataReply(id: number, data: Buffer): Buffer {
  return new PacketWriter().u8(RES.DATA).u32(id).string(data).finish();
}

export function attrsReply(id: number, st: StatLike): Buffer {
  return writeAttrs(new PacketWriter().u8(RES.ATTRS).u32(id), st).finish();
}

/** One name without attributes: realpath, readlink and expand-path answer so. */
export function pathReply(id: number, path: string): Buffer {
  return writeNoAttrs(new PacketWriter().u8(RES.NAME).u32(id).u32(1).string(path).string(path)).finish();
}

/** A directory entry for NAME. */
export interface Entry {
  /** Sent as its bytes (util/byte-text.ts). */
  name: string;
  longname: string;
  stats: Stats;
}

/** NAME with directory entries. */
export function namesReply(id: number, entries: Entry[]): Buffer {
  const w = new PacketWriter().u8(RES.NAME).u32(id).u32(entries.length);
  for (const e of entries) writeAttrs(w.string(e.name).string(e.longname), e.stats);
  return w.finish();
}

/** Bytes one entry adds to a NAME packet, so readdir can stay under MAX_PACKET. */
export function entrySize(e: Pick<Entry, 'name' | 'longname'>): number {
  return 8 + toBytes(e.name).length + toBytes(e.longname).length + 32;
}

/** limits@openssh.com: the sizes sftp-server reports, and our handle cap. */
export function limitsReply(id: number, maxHandles: number): Buffer {
  return new PacketWriter()
    .u8(RES.EXTENDED_REPLY)
    .u32(id)
    .u64(MAX_PACKET)
    .u64(MAX_READ)
    .u64(MAX_PACKET - 1024)
    .u64(maxHandles)
    .finish();
}

/** The fields of statvfs@openssh.com's reply, in order. */
export interface VfsStats {
  bsize: bigint;
  frsize: bigint;
  blocks: bigint;
  bfree: bigint;
  bavail: bigint;
  files: bigint;
  ffree: bigint;
  favail: bigint;
  fsid: bigint;
  flag: bigint;
  namemax: bigint;
}

export function statvfsReply(id: number, v: VfsStats): Buffer {
  const w = new PacketWriter().u8(RES.EXTENDED_REPLY).u32(id);
  for (const x of [v.bsize, v.frsize, v.blocks, v.bfree, v.bavail, v.files, v.ffree, v.favail, v.fsid, v.flag, v.namemax]) w.u64(x);
  return w.finish();
}
