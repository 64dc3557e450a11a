// A lying SFTP server for tests: an in-process ssh2 Server on 127.0.0.1
// whose `sftp` subsystem serves a made-up tree (`FakeTree`) and can be told
// to lie (names, sizes, listings, reply ids, packet sizes) through hooks;
// uploads go to memory (`uploads`), with their requests logged.
// Only for hostile-peer tests; honest peers are the real sshd and serve.
import { Server, type SFTPWrapper } from 'ssh2';
import { fakeEndpoint } from './fake-endpoint';

const OK = 0;
const EOF = 1;
const NO_SUCH_FILE = 2;
const FAILURE = 4;
const UNSUPPORTED = 8;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

/** A listed or stat'ed entry of the fake tree. */
export interface FakeEntry {
  kind: 'dir' | 'file';
  mode?: number;
  /** A file's bytes (what READ serves). */
  data?: Buffer;
  /** What FSTAT and STAT say the size is (default data.length). */
  size?: number;
  /** What FSTAT and STAT say the mtime is (default 1,000,000,000). */
  mtime?: number;
}

/** How the fake answers; `list` is asked once per READDIR of a directory (call 0, 1, …). */
export interface FakeTree {
  stat(path: string): FakeEntry | undefined;
  /** Names for one READDIR (undefined: end of listing). */
  list(path: string, call: number): string[] | undefined;
  /** Replaces the answer to a READ: return true when it answered (or chose not to). */
  onRead?(sftp: SFTPWrapper, reqid: number, data: Buffer, offset: number, length: number): boolean;
  /** Uploads: the size FSTAT reports for a file being written (default: the truth). */
  writtenSize?(path: string, real: number): number;
  /** Uploads: true to answer a WRITE to `path` with FAILURE. */
  failWrite?(path: string): boolean;
  /** Uploads: true to drop the connection instead of storing and answering a WRITE to `path` at `offset` (lost mid-upload). */
  dropOnWrite?(path: string, offset: number): boolean;
  /** Uploads: true to make the file, then drop the connection instead of answering the OPEN (lost right after the server made it). */
  dropOnOpen?(path: string): boolean;
  /** True to drop the connection instead of answering a STAT or LSTAT of `path` (lost while an upload looks at its target). */
  dropOnStat?(path: string): boolean;
  /** True to drop the connection instead of doing and answering a REMOVE of `path` (lost while a retry removes what the last loss left). */
  dropOnRemove?(path: string): boolean;
  /** Uploads: true to drop the connection instead of doing and answering a RENAME (lost at the last step of an upload). */
  dropOnRename?(from: string, to: string): boolean;
  /** Uploads: the bytes stored for a WRITE (default: as sent; a failing disk may store others). READ serves what was stored. */
  storeWrite?(path: string, offset: number, data: Buffer): Buffer;
  /** Uploads: a status to answer a RENAME with instead of doing it (ProFTPD's FILE_ALREADY_EXISTS, 11, for a name taken). */
  renameStatus?(from: string, to: string): number | undefined;
  /** True to never answer an OPEN of `path` (a server that stopped answering). */
  ignoreOpen?(path: string): boolean;
  /** The names a REALPATH of `path` is answered with (default: `path` itself; an empty list breaks the protocol). */
  realpath?(path: string): string[];
  /** Answers a request of kind `request` (OPEN, STAT, READDIR, …) in its place: return true when it answered (or chose not to). */
  replyInstead?(request: string, sftp: SFTPWrapper, reqid: number): boolean;
  /** Offer limits@openssh.com with these values (ssh2's server offers no extension of its own). */
  limits?: { maxPacket: number; maxRead: number; maxWrite: number };
  /** Offer these extensions too (statvfs@openssh.com, …), each request of one answered by its function. */
  extensions?: Record<string, (sftp: SFTPWrapper, reqid: number) => void>;
}

/** A tree of `/d` holding an old `/d/f` ("old") and listing nothing: an upload's target taken. */
export const OLD_TARGET: Pick<FakeTree, 'stat' | 'list'> = {
  stat: (path) => (path === '/d' || path === '.' ? { kind: 'dir' } : path === '/d/f' ? { kind: 'file', data: Buffer.from('old') } : undefined),
  list: () => undefined,
};

/** What an upload did to the fake: requests in order, and the files as they stand. */
export interface Uploads {
  ops: string[];
  files: Map<string, Buffer>;
}

/** A running fake. */
export interface HostileSftp {
  /** scpipe options that reach it (no host). */
  args(): string[];
  /** How many READDIRs it answered. */
  readdirs(): number;
  uploads: Uploads;
  stop(): Promise<void>;
}

/** Attributes as ssh2's server side sends them. */
function attrsOf(e: FakeEntry): { mode: number; uid: number; gid: number; size: number; atime: number; mtime: number } {
  const size = e.size ?? e.data?.length ?? 0;
  const mode = (e.kind === 'dir' ? S_IFDIR : S_IFREG) | (e.mode ?? (e.kind === 'dir' ? 0o755 : 0o644));
  return { mode, uid: 0, gid: 0, size, atime: 1_000_000_000, mtime: e.mtime ?? 1_000_000_000 };
}

/** Starts the fake on 127.0.0.1 with a fresh host key; any login is accepted. */
export async function startHostileSftp(tree: FakeTree): Promise<HostileSftp> {
  const endpoint = await fakeEndpoint('scpipe-test-fake-sftp-');
  let readdirs = 0;
  const uploads: Uploads = { ops: [], files: new Map() };
  const server = new Server({ hostKeys: [endpoint.hostKey] }, (conn) => {
    conn.on('error', () => undefined);
    conn.on('authentication', (ctx) => ctx.accept());
    conn.on('ready', () =>
      conn.on('session', (accept) => {
        const session = accept();
        session.on('sftp', (acceptSftp) => {
          const sftp = acceptSftp();
          sftp.on('error', () => undefined);
          if (tree.limits || tree.extensions) offerExtensions(sftp, tree);
          if (tree.replyInstead) offerEachRequest(sftp, tree.replyInstead);
          serveTree(sftp, tree, () => readdirs++, uploads, () => conn.end());
        });
      }),
    );
  });
  const { args, stop } = await endpoint.listen(server);
  return { args, readdirs: () => readdirs, uploads, stop };
}

function serveTree(sftp: SFTPWrapper, tree: FakeTree, onReaddir: () => void, uploads: Uploads, drop: () => void): void {
  const handles = new Map<string, { path: string; calls: number }>();
  let next = 0;
  const newHandle = (path: string): Buffer => {
    const h = String(next++);
    handles.set(h, { path, calls: 0 });
    return Buffer.from(h);
  };
  const stat = (reqid: number, path: string): void => {
    if (tree.dropOnStat?.(path)) return drop();
    const e = tree.stat(path);
    if (e) sftp.attrs(reqid, attrsOf(e));
    else sftp.status(reqid, NO_SUCH_FILE);
  };
  sftp.on('STAT', stat);
  sftp.on('LSTAT', stat);
  sftp.on('REALPATH', (reqid: number, path: string) =>
    sftp.name(reqid, (tree.realpath?.(path) ?? [path]).map((name) => ({ filename: name, longname: name, attrs: {} as never }))),
  );
  sftp.on('OPENDIR', (reqid: number, path: string) => {
    if (tree.stat(path)?.kind !== 'dir') return sftp.status(reqid, NO_SUCH_FILE);
    sftp.handle(reqid, newHandle(path));
  });
  sftp.on('READDIR', (reqid: number, handle: Buffer) => {
    onReaddir();
    const h = handles.get(handle.toString())!;
    const names = tree.list(h.path, h.calls++);
    if (!names) return sftp.status(reqid, EOF);
    sftp.name(
      reqid,
      names.map((filename) => {
        const e = tree.stat(h.path === '/' ? `/${filename}` : `${h.path}/${filename}`) ?? { kind: 'file' as const };
        return { filename, longname: filename, attrs: attrsOf(e) as never };
      }),
    );
  });
  sftp.on('OPEN', (reqid: number, path: string, flags: number) => {
    if (tree.ignoreOpen?.(path)) return void uploads.ops.push(`open ${path} (not answered)`);
    if (flags & 0x02) {
      // SSH_FXF_WRITE: an upload, kept in memory.
      uploads.ops.push(`open ${path}`);
      // SSH_FXF_CREAT makes the file afresh; without it (a resumed upload) it is opened as it is.
      if (flags & 0x08 || !uploads.files.has(path)) uploads.files.set(path, Buffer.alloc(0));
      if (tree.dropOnOpen?.(path)) return drop();
      return sftp.handle(reqid, newHandle(path));
    }
    if (tree.stat(path)?.kind !== 'file' && !uploads.files.has(path)) return sftp.status(reqid, NO_SUCH_FILE);
    sftp.handle(reqid, newHandle(path));
  });
  sftp.on('WRITE', (reqid: number, handle: Buffer, offset: number, data: Buffer) => {
    const path = handles.get(handle.toString())!.path;
    if (tree.failWrite?.(path)) return sftp.status(reqid, FAILURE, 'write refused');
    if (tree.dropOnWrite?.(path, offset)) return drop();
    const old = uploads.files.get(path) ?? Buffer.alloc(0);
    const grown = Buffer.alloc(Math.max(old.length, offset + data.length));
    old.copy(grown);
    (tree.storeWrite?.(path, offset, data) ?? data).copy(grown, offset);
    uploads.files.set(path, grown);
    sftp.status(reqid, OK);
  });
  sftp.on('FSTAT', (reqid: number, handle: Buffer) => {
    const path = handles.get(handle.toString())!.path;
    const written = uploads.files.get(path);
    if (!written) return stat(reqid, path);
    sftp.attrs(reqid, { ...attrsOf({ kind: 'file' }), size: tree.writtenSize?.(path, written.length) ?? written.length });
  });
  sftp.on('READ', (reqid: number, handle: Buffer, offset: number, length: number) => {
    const path = handles.get(handle.toString())!.path;
    const data = uploads.files.get(path) ?? tree.stat(path)?.data ?? Buffer.alloc(0);
    if (tree.onRead?.(sftp, reqid, data, offset, length)) return;
    if (offset >= data.length) return sftp.status(reqid, EOF);
    sftp.data(reqid, data.subarray(offset, offset + length));
  });
  sftp.on('REMOVE', (reqid: number, path: string) => {
    if (tree.dropOnRemove?.(path)) return void uploads.ops.push(`remove ${path} (dropped)`), drop();
    // A file of the tree counts as removed too (the tree is the test's to change: ops tells it).
    const there = uploads.files.delete(path) || tree.stat(path)?.kind === 'file';
    uploads.ops.push(`remove ${path}`);
    sftp.status(reqid, there ? OK : NO_SUCH_FILE);
  });
  sftp.on('RENAME', (reqid: number, from: string, to: string) => {
    uploads.ops.push(`rename ${from} ${to}`);
    if (tree.dropOnRename?.(from, to)) return drop();
    const refused = tree.renameStatus?.(from, to);
    if (refused !== undefined) return statusOfAnyCode(sftp, reqid, refused, 'File already exists');
    const data = uploads.files.get(from);
    if (!data) return sftp.status(reqid, NO_SUCH_FILE);
    uploads.files.delete(from);
    uploads.files.set(to, data);
    sftp.status(reqid, OK);
  });
  sftp.on('FSETSTAT', (reqid: number) => sftp.status(reqid, OK));
  sftp.on('CLOSE', (reqid: number, handle: Buffer) => {
    handles.delete(handle.toString());
    sftp.status(reqid, OK);
  });
  for (const other of ['SETSTAT', 'MKDIR', 'RMDIR', 'READLINK', 'SYMLINK', ...(tree.limits || tree.extensions ? [] : ['EXTENDED'])]) {
    sftp.on(other, (reqid: number) => sftp.status(reqid, UNSUPPORTED));
  }
}

// Each request handler registered after this is asked of `replyInstead` first.
function offerEachRequest(sftp: SFTPWrapper, replyInstead: NonNullable<FakeTree['replyInstead']>): void {
  const on = sftp.on.bind(sftp) as (event: string, handler: (...args: any[]) => void) => SFTPWrapper;
  (sftp as unknown as { on: typeof on }).on = (event, handler) =>
    on(event, (reqid: number, ...rest: unknown[]) => (/^[A-Z]+$/.test(event) && replyInstead(event, sftp, reqid)) || handler(reqid, ...rest));
}

// A STATUS with a code ssh2's server refuses to send (the v4+ ones).
function statusOfAnyCode(sftp: SFTPWrapper, reqid: number, code: number, text: string): void {
  const body = Buffer.alloc(4 + 4 + text.length + 4);
  body.writeUInt32BE(code, 0);
  body.writeUInt32BE(text.length, 4);
  body.write(text, 8, 'latin1');
  rawReply(sftp, 101, reqid, body); // SSH_FXP_STATUS
}

/** A reply of any type (EXTENDED_REPLY, 201, which ssh2's server cannot send), written raw (`after` follows it in the same channel data), counted against the channel's window as ssh2's own would be. */
export function rawReply(sftp: SFTPWrapper, type: number, reqid: number, body: Buffer, after: Buffer = Buffer.alloc(0)): void {
  const raw = sftp as unknown as { outgoing: { id: number; window: number }; _protocol: { channelData(id: number, data: Buffer): void } };
  const packet = Buffer.alloc(4 + 1 + 4 + body.length);
  packet.writeUInt32BE(packet.length - 4, 0);
  packet[4] = type;
  packet.writeUInt32BE(reqid, 5);
  body.copy(packet, 9);
  const data = Buffer.concat([packet, after]); // `after`: raw bytes in the same channel data
  raw.outgoing.window -= data.length;
  raw._protocol.channelData(raw.outgoing.id, data);
}

// ssh2's server sends a fixed VERSION (v3, no extensions): this one is
// swapped for one that offers limits@openssh.com and the tree's extensions,
// and the EXTENDED replies are written raw. Both count against the channel's
// window as ssh2's own would.
function offerExtensions(sftp: SFTPWrapper, tree: FakeTree): void {
  const raw = sftp as unknown as { outgoing: { id: number; window: number }; _protocol: { channelData(id: number, data: Buffer): void } };
  const send = raw._protocol.channelData.bind(raw._protocol);
  const u32 = (n: number): Buffer => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
  const u64 = (n: number): Buffer => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(n));
    return b;
  };
  const str = (text: string): Buffer => Buffer.concat([u32(text.length), Buffer.from(text)]);
  const packet = (...parts: Buffer[]): Buffer => {
    const body = Buffer.concat(parts);
    return Buffer.concat([u32(body.length), body]);
  };
  const names = [...(tree.limits ? ['limits@openssh.com'] : []), ...Object.keys(tree.extensions ?? {})];
  const plainVersion = packet(Buffer.from([2]), u32(3));
  // OpenSSH's versions: ssh2 sends statvfs only to a server offering its "2".
  const version = packet(Buffer.from([2]), u32(3), ...names.flatMap((name) => [str(name), str(name.includes('statvfs') ? '2' : '1')]));
  raw._protocol.channelData = (id, data) => {
    if (id !== raw.outgoing.id || !data.equals(plainVersion)) return send(id, data);
    raw.outgoing.window -= version.length - data.length; // ssh2 counted its own 9 bytes
    send(id, version);
  };
  sftp.on('EXTENDED', (reqid: number, name: string) => {
    const answer = tree.extensions?.[name];
    if (answer) return answer(sftp, reqid);
    if (name !== 'limits@openssh.com' || !tree.limits) return sftp.status(reqid, UNSUPPORTED);
    const { maxPacket, maxRead, maxWrite } = tree.limits;
    rawReply(sftp, 201, reqid, Buffer.concat([u64(maxPacket), u64(maxRead), u64(maxWrite), u64(0)]));
  });
}
