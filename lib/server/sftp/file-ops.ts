// Requests on files: open, read, write, close, fstat, fsetstat, and the
// fsync/fstatvfs extensions. As sftp-server: the open mode comes from the
// request's permissions (else 0666, under the server's umask), a read of
// more than MAX_READ is shortened, a read at the end answers EOF, a write
// is whole or an error. Differences (docs/serve.md): only regular files
// open (a FIFO or device in the root cannot block the server), owners
// cannot be changed, and no file is made setuid or setgid.
import { constants, type Stats } from 'node:fs';
import { lstat, open } from '../../fs/byte-fs';
import { CLIENT_MODE_BITS, type Attrs } from './attrs';
import { appendOnlyOpenFlags, isUploadTempName, refused, rememberTemp } from './append-only';
import { ownerUnknown } from './upload-owners';
import { claimNew, intendNew } from './new-upload';
import { fileKey, guardOpened, releaseGuard } from './store-guard';
import { fileOffset, refuseIfReadOnly, type OpsContext } from './context';
import { closeEntry, type FileEntry } from './handles';
import { attrsReply, dataReply, handleReply, statusReply } from './replies';
import type { Req } from './requests';
import { SftpFailure, toFailure } from './status';
import { said } from '../../util/said';
import { vfsStats } from './statvfs';
import { MAX_READ, OPEN_FLAG, STATUS } from './wire';

const WRITE_FLAGS = OPEN_FLAG.WRITE | OPEN_FLAG.APPEND | OPEN_FLAG.CREAT | OPEN_FLAG.TRUNC;

/** sftp-server's flags_from_portable(), plus O_NONBLOCK so opening a FIFO cannot hang a worker thread. */
function openFlags(pflags: number): number {
  const read = (pflags & OPEN_FLAG.READ) !== 0;
  const write = (pflags & OPEN_FLAG.WRITE) !== 0;
  let flags = read && write ? constants.O_RDWR : write ? constants.O_WRONLY : constants.O_RDONLY;
  if (pflags & OPEN_FLAG.APPEND) flags |= constants.O_APPEND;
  if (pflags & OPEN_FLAG.CREAT) flags |= constants.O_CREAT;
  if (pflags & OPEN_FLAG.TRUNC) flags |= constants.O_TRUNC;
  if (pflags & OPEN_FLAG.EXCL) flags |= constants.O_EXCL;
  return flags | constants.O_NONBLOCK | constants.O_NOCTTY;
}

export async function openFile(ctx: OpsContext, req: Req<'open'>): Promise<Buffer> {
  if (req.pflags & WRITE_FLAGS) refuseIfReadOnly(ctx);
  ctx.handles.reserve();
  const host = await ctx.paths.follow(req.path, { create: (req.pflags & OPEN_FLAG.CREAT) !== 0 });
  const mode = req.attrs.mode === undefined ? 0o666 : req.attrs.mode & CLIENT_MODE_BITS;
  // Whether this open makes the file: checked just before, as O_EXCL alone tells and it refuses an existing one.
  const existing = await lstat(host).catch(() => undefined);
  const creates = (req.pflags & OPEN_FLAG.CREAT) !== 0 && existing === undefined;
  const intent = ctx.appendOnly && creates && isUploadTempName(req.path) ? await intendNew(ctx, req.path, host) : undefined;
  try {
    return await openAs(ctx, req, host, mode, existing, creates);
  } finally {
    await intent?.();
  }
}

// openFile() once it knows where, and whether this open makes the file.
async function openAs(ctx: OpsContext, req: Req<'open'>, host: string, mode: number, existing: Stats | undefined, creates: boolean): Promise<Buffer> {
  let fh;
  try {
    // Another login's upload in progress is refused before the open, whose O_TRUNC would empty it first.
    if (ctx.appendOnly && req.pflags & WRITE_FLAGS && existing && isUploadTempName(req.path)) await ctx.owners.refuseOthers(fileKey(existing), ctx.login, { clientPath: req.path, host, ino: existing.ino });
    const flags = openFlags(req.pflags);
    fh = await open(host, ctx.appendOnly && req.pflags & WRITE_FLAGS ? await appendOnlyOpenFlags(req.path, host, flags, creates) : flags, mode);
  } catch (err) {
    throw toFailure(err, req.path);
  }
  let guard;
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new SftpFailure(STATUS.FAILURE, said`${ctx.paths.shown(req.path)}: not a regular file`);
    if (ctx.appendOnly && req.pflags & WRITE_FLAGS) {
      guard = await guardOpened(req.path, host, st);
      // Any other name opened for writing is a new file (appendOnlyOpenFlags): no one's upload but this one.
      const file = { clientPath: req.path, host, ino: st.ino };
      if (isUploadTempName(req.path) && creates) await claimNew(ctx, guard.key, file);
      else if (isUploadTempName(req.path)) await ctx.owners.goOn(guard.key, ctx.login, file, ownerUnknown(ctx, req.path));
    }
    ctx.handles.reserve(); // another open may have taken the last slot meanwhile
  } catch (err) {
    if (guard) releaseGuard(guard);
    await fh.close().catch(() => undefined);
    throw toFailure(err, req.path);
  }
  if (ctx.appendOnly && creates) rememberTemp(ctx, req.path, host);
  const entry: FileEntry = { kind: 'file', fh, path: req.path, append: (req.pflags & OPEN_FLAG.APPEND) !== 0, bytesRead: 0, bytesWritten: 0, writable: (req.pflags & WRITE_FLAGS) !== 0, created: creates ? host : undefined, guard };
  const handle = ctx.handles.add(entry);
  ctx.lines?.opened(entry, ctx, creates || (req.pflags & OPEN_FLAG.TRUNC) !== 0);
  return handleReply(req.id, handle);
}

export async function readFile(ctx: OpsContext, req: Req<'read'>): Promise<Buffer> {
  const e = ctx.handles.file(req.handle);
  const len = Math.min(req.length, MAX_READ);
  const buf = Buffer.allocUnsafe(len);
  const { bytesRead } = await e.fh.read(buf, 0, len, fileOffset(req.offset)).catch((err: unknown) => {
    throw ioFailed(ctx, e, err);
  });
  if (bytesRead === 0 && len > 0) return statusReply(req.id, STATUS.EOF);
  e.bytesRead += bytesRead;
  return dataReply(req.id, buf.subarray(0, bytesRead));
}

export async function writeFile(ctx: OpsContext, req: Req<'write'>): Promise<Buffer> {
  const e = ctx.handles.file(req.handle);
  return e.guard ? e.guard.run(e.path, () => writeAll(ctx, e, req)) : writeAll(ctx, e, req);
}

async function writeAll(ctx: OpsContext, e: FileEntry, req: Req<'write'>): Promise<Buffer> {
  let position = e.append ? null : fileOffset(req.offset);
  let done = 0;
  try {
    while (done < req.data.length) {
      const { bytesWritten } = await e.fh.write(req.data, done, req.data.length - done, position);
      if (bytesWritten === 0) throw new SftpFailure(STATUS.FAILURE, said`${ctx.paths.shown(e.path)}: nothing written`);
      done += bytesWritten;
      if (position !== null) position += bytesWritten;
    }
  } catch (err) {
    throw ioFailed(ctx, e, err);
  } finally {
    e.bytesWritten += done;
  }
  return statusReply(req.id, STATUS.OK);
}

export async function closeHandle(ctx: OpsContext, req: Req<'close'>): Promise<Buffer> {
  const e = ctx.handles.remove(req.handle);
  if (e.kind === 'dir') {
    await closeEntry(e);
    return statusReply(req.id, STATUS.OK);
  }
  let failure: SftpFailure | undefined;
  if (e.guard) releaseGuard(e.guard);
  try {
    await e.fh.close();
  } catch (err) {
    failure = toFailure(err, ctx.paths.shown(e.path));
  }
  const failed = failure?.message ?? e.ioFailure;
  logTransfer(ctx, e, failed === undefined ? 'ok' : `failed: ${failed}`);
  return failure ? statusReply(req.id, failure.status, failure.said) : statusReply(req.id, STATUS.OK);
}

// A read or write that failed: answered as a status, and remembered for the
// log line, so an upload the disk cut short is not logged "ok" at its close.
// Named as the log line names the file (from /): `big` was `/big` there.
function ioFailed(ctx: OpsContext, e: FileEntry, err: unknown): SftpFailure {
  const failure = toFailure(err, ctx.paths.shown(e.path));
  e.ioFailure ??= failure.message;
  return failure;
}

/** The transfer log line for a file handle that was closed (by the client, or with the session). */
export function logTransfer(ctx: OpsContext, e: FileEntry, result: string): void {
  // Said once the last channel with this file open closed it (put and get --parallel).
  const whole = ctx.lines ? ctx.lines.closed(e, result) : { ...e, channels: 1, result };
  if (whole === undefined) return;
  const upload = isUpload(whole);
  const bytes = upload ? whole.bytesWritten : whole.bytesRead;
  const over = whole.channels > 1 ? ` over ${whole.channels} channels` : '';
  ctx.log(`sftp ${upload ? 'upload' : 'download'} ${ctx.paths.shown(e.path)} ${bytes} bytes${over} ${whole.result}`);
}

export function isUpload(e: Pick<FileEntry, 'writable' | 'bytesWritten' | 'bytesRead'>): boolean {
  return e.writable && (e.bytesWritten > 0 || e.bytesRead === 0);
}

export async function fstatFile(ctx: OpsContext, req: Req<'fstat'>): Promise<Buffer> {
  const e = ctx.handles.file(req.handle);
  try {
    return attrsReply(req.id, await e.fh.stat());
  } catch (err) {
    throw toFailure(err, e.path);
  }
}

export async function fsetstatFile(ctx: OpsContext, req: Req<'fsetstat'>): Promise<Buffer> {
  refuseIfReadOnly(ctx);
  const e = ctx.handles.file(req.handle);
  // By the handle's own file: only one open for writing (a new file, an upload's temporary file) is still the client's.
  if (ctx.appendOnly && !e.guard) throw refused(e.path, 'the mode, times and size of existing files are kept');
  const fh = e.fh;
  const apply = (): Promise<void> => applyAttrs(req.attrs, e.path, {
    truncate: (size) => fh.truncate(size),
    chmod: (mode) => fh.chmod(mode),
    utimes: (atime, mtime) => fh.utimes(atime, mtime),
    owner: async () => (await fh.stat()).uid,
    group: async () => (await fh.stat()).gid,
  });
  await (e.guard ? e.guard.run(e.path, apply) : apply());
  if (ctx.verbose) ctx.log(`sftp fsetstat ${ctx.paths.shown(e.path)} ok`);
  return statusReply(req.id, STATUS.OK);
}

/** How setstat and fsetstat change a file. */
export interface AttrTarget {
  truncate(size: number): Promise<void>;
  chmod(mode: number): Promise<void>;
  utimes(atime: number, mtime: number): Promise<void>;
  owner(): Promise<number>;
  group(): Promise<number>;
}

/**
 * Applies size, mode and times in sftp-server's order (setuid and setgid
 * cleared: CLIENT_MODE_BITS); every field is tried
 * and the last failure is reported. Owner and group can only be "changed"
 * to what they are: a jailed client has no business giving files away.
 */
export async function applyAttrs(a: Attrs, clientPath: string, t: AttrTarget): Promise<void> {
  let failure: SftpFailure | undefined;
  const attempt = async (step: () => Promise<void>): Promise<void> => {
    try {
      await step();
    } catch (err) {
      failure = toFailure(err, clientPath);
    }
  };
  if (a.size !== undefined) await attempt(() => t.truncate(fileOffset(a.size!)));
  if (a.mode !== undefined) await attempt(() => t.chmod(a.mode! & CLIENT_MODE_BITS));
  if (a.atime !== undefined && a.mtime !== undefined) await attempt(() => t.utimes(a.atime!, a.mtime!));
  if (a.uid !== undefined && a.gid !== undefined) {
    await attempt(async () => {
      if (a.uid !== (await t.owner()) || a.gid !== (await t.group())) {
        throw new SftpFailure(STATUS.PERMISSION_DENIED, said`changing the owner is not allowed`);
      }
    });
  }
  if (failure) throw failure;
}

export async function fsyncFile(ctx: OpsContext, req: Req<'fsync'>): Promise<Buffer> {
  const e = ctx.handles.file(req.handle);
  try {
    await e.fh.sync();
  } catch (err) {
    throw toFailure(err, ctx.paths.shown(e.path));
  }
  return statusReply(req.id, STATUS.OK);
}

export async function fstatvfsFile(ctx: OpsContext, req: Req<'fstatvfs'>): Promise<Buffer> {
  const e = ctx.handles.file(req.handle);
  return vfsStats(ctx, req.id, await ctx.paths.follow(e.path), e.path);
}
