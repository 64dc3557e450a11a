// Requests on paths: stat, lstat, setstat, remove, mkdir, rmdir, rename,
// realpath, readlink, symlink, and the posix-rename, hardlink, statvfs and
// expand-path extensions; each as sftp-server does it, inside the jail
// (paths.ts). The root itself cannot be removed, renamed, replaced or chmodded.
import { chmod, link, lstat, mkdir, realpath, rename, rmdir, stat, symlink, truncate, unlink, utimes } from '../../fs/byte-fs';
import { errnoCode } from '../../fs/strerror';
import { allowedAttrChange, isUploadTempName, refuseRemove, refused, rememberMade } from './append-only';
import { refuseIfReadOnly, type OpsContext } from './context';
import { CLIENT_MODE_BITS } from './attrs';
import { applyAttrs } from './file-ops';
import { attrsReply, pathReply, statusReply } from './replies';
import type { Req } from './requests';
import { SftpFailure, toFailure } from './status';
import { Said, said } from '../../util/said';
import { OUTSIDE } from '../jail';
import { vfsStats } from './statvfs';
import { fileKey, guardOpened, releaseGuard } from './store-guard';
import { ownerUnknown } from './upload-owners';
import { STATUS } from './wire';

export async function statPath(ctx: OpsContext, req: Req<'stat' | 'lstat'>): Promise<Buffer> {
  // `latest/` names what the link `latest` leads to, as the kernel's lstat() has it: sftp's `ls latest/` lists the directory.
  const follows = req.op === 'stat' || req.path.endsWith('/');
  const host = follows ? await ctx.paths.follow(req.path) : await ctx.paths.noFollow(req.path);
  try {
    return attrsReply(req.id, req.op === 'stat' ? await stat(host) : await lstat(host));
  } catch (err) {
    throw toFailure(err, req.path);
  }
}

export async function setstatPath(ctx: OpsContext, req: Req<'setstat'>): Promise<Buffer> {
  refuseIfReadOnly(ctx);
  const host = await ctx.paths.follow(req.path);
  // By what it leads to: a symlink to the root (`ln -s . /me`) is the root too.
  if ((await realpath(host).catch(() => host)) === ctx.paths.jail.root) throw new SftpFailure(STATUS.PERMISSION_DENIED, said`the root cannot be changed`);
  const attrs = await allowedAttrChange(ctx, req.path, host, req.attrs);
  const apply = (): Promise<void> => applyAttrs(attrs, req.path, {
    truncate: (size) => truncate(host, size),
    chmod: (mode) => chmod(host, mode),
    utimes: (atime, mtime) => utimes(host, atime, mtime),
    owner: async () => (await stat(host)).uid,
    group: async () => (await stat(host)).gid,
  });
  // An upload's temporary file is changed only while no rename is storing it (store-guard.ts).
  const st = ctx.appendOnly ? await lstat(host).catch(() => undefined) : undefined;
  if (st?.isFile()) {
    const guard = await guardOpened(req.path, host, st);
    try {
      const file = { clientPath: req.path, host, ino: st.ino };
      if (isUploadTempName(req.path)) await ctx.owners.goOn(guard.key, ctx.login, file, ownerUnknown(ctx, req.path));
      else await ctx.owners.refuseOthers(guard.key, ctx.login, file);
      await guard.run(req.path, apply);
    } finally {
      releaseGuard(guard);
    }
  } else await apply();
  if (ctx.verbose) ctx.log(`sftp setstat ${ctx.paths.shown(req.path)} ok`);
  return statusReply(req.id, STATUS.OK);
}

export async function removePath(ctx: OpsContext, req: Req<'remove' | 'rmdir'>): Promise<Buffer> {
  refuseIfReadOnly(ctx);
  const host = await ownName(ctx, req.path);
  const ownTemp = ctx.appendOnly && ownUploadTemp(ctx, req, host);
  if (ctx.appendOnly && !ownTemp) await refuseRemove(req.path, host);
  // Its owner is forgotten with it: a file made later with the same inode is not that login's.
  const removed = ownTemp ? await lstat(host).catch(() => undefined) : undefined;
  await (req.op === 'remove' ? unlink(host) : rmdir(host)).catch((err: unknown) => {
    throw toFailure(err, req.path);
  });
  if (removed) await ctx.owners.forget(fileKey(removed), host);
  return changed(ctx, req.id, `${req.op} ${ctx.paths.shown(req.path)}`);
}

export async function mkdirPath(ctx: OpsContext, req: Req<'mkdir'>): Promise<Buffer> {
  refuseIfReadOnly(ctx);
  const host = await ownName(ctx, req.path);
  await mkdir(host, req.attrs.mode === undefined ? 0o777 : req.attrs.mode & CLIENT_MODE_BITS).catch((err: unknown) => {
    throw toFailure(err, req.path);
  });
  if (ctx.appendOnly) rememberMade(ctx, host);
  return changed(ctx, req.id, `mkdir ${ctx.paths.shown(req.path)}`);
}

/**
 * SSH_FXP_RENAME never replaces (v3): a regular file moves by link() and
 * unlink(), which fails if the new name exists, without a race; anything
 * else is renamed only if nothing has the new name. posix-rename replaces,
 * as rename(2) does. hardlink adds a name (and fails if it exists).
 */
export async function renamePath(ctx: OpsContext, req: Req<'rename' | 'posix-rename' | 'hardlink'>): Promise<Buffer> {
  refuseIfReadOnly(ctx);
  if (ctx.appendOnly && req.op === 'hardlink') throw refused(req.to, 'links are not made');
  // Append-only renames go to storeUpload() (store-upload.ts), without the lock held: never here.
  if (ctx.appendOnly) throw refused(req.from, 'only an upload\'s temporary file is renamed, onto a new name');
  const from = await ownName(ctx, req.from);
  const to = await ownName(ctx, req.to);
  try {
    if (req.op === 'posix-rename') await rename(from, to);
    else if (req.op === 'hardlink') await hardlink(ctx, from, to, req.from);
    else await renameNoReplace(from, to);
  } catch (err) {
    throw toFailure(err, req.from);
  }
  return changed(ctx, req.id, `${req.op} ${ctx.paths.shown(req.from)} ${ctx.paths.shown(req.to)}`);
}

async function renameNoReplace(from: string, to: string): Promise<void> {
  const st = await lstat(from);
  if (st.isFile()) {
    try {
      await link(from, to);
    } catch (err) {
      if (!['EXDEV', 'EPERM', 'EOPNOTSUPP', 'ENOSYS'].includes(errnoCode(err) ?? '')) throw err;
      return renameIfAbsent(from, to); // a filesystem without hard links: racy, as in sftp-server
    }
    await unlink(from).catch(async (err: unknown) => {
      await unlink(to).catch(() => undefined);
      throw err;
    });
    return;
  }
  await renameIfAbsent(from, to);
}

async function renameIfAbsent(from: string, to: string): Promise<void> {
  const exists = await lstat(to).then(
    () => true,
    () => false,
  );
  if (exists) throw new SftpFailure(STATUS.FAILURE, said`the new name exists`);
  await rename(from, to);
}

// A second name for a symlink that leads outside would be a new way out.
async function hardlink(ctx: OpsContext, from: string, to: string, clientFrom: string): Promise<void> {
  if ((await lstat(from)).isSymbolicLink() && !(await ctx.paths.jail.isInside(from))) {
    throw new SftpFailure(STATUS.PERMISSION_DENIED, said`${ctx.paths.shown(clientFrom)}: ${Said.plain(OUTSIDE)}`);
  }
  await link(from, to);
}

export async function symlinkPath(ctx: OpsContext, req: Req<'symlink'>): Promise<Buffer> {
  refuseIfReadOnly(ctx);
  if (ctx.appendOnly) throw refused(req.link, 'links are not made');
  const host = await ownName(ctx, req.link);
  const target = await ctx.paths.symlinkTarget(host, req.target, req.link);
  await symlink(target, host).catch((err: unknown) => {
    throw toFailure(err, req.link);
  });
  return changed(ctx, req.id, `symlink ${ctx.paths.shown(req.link)}`);
}

export async function realpathPath(ctx: OpsContext, req: Req<'realpath'>): Promise<Buffer> {
  return pathReply(req.id, await ctx.paths.realpath(req.path));
}

/** expand-path@openssh.com: `~` and `~/x` are the root (the client's home); `~user` does not exist. */
export async function expandPath(ctx: OpsContext, req: Req<'expand-path'>): Promise<Buffer> {
  let p = req.path;
  if (p === '~') p = '/';
  else if (p.startsWith('~/')) p = `/${p.slice(2)}`;
  else if (p.startsWith('~')) throw new SftpFailure(STATUS.NO_SUCH_FILE, said`no such user`);
  return pathReply(req.id, await ctx.paths.realpath(p));
}

export async function readlinkPath(ctx: OpsContext, req: Req<'readlink'>): Promise<Buffer> {
  return pathReply(req.id, await ctx.paths.readlink(req.path));
}

export async function statvfsPath(ctx: OpsContext, req: Req<'statvfs'>): Promise<Buffer> {
  return vfsStats(ctx, req.id, await ctx.paths.follow(req.path), req.path);
}

// An upload's temporary file that this session created, and so may remove:
// a refused or failed upload takes its own away, and nothing stored.
function ownUploadTemp(ctx: OpsContext, req: Req<'remove' | 'rmdir'>, host: string): boolean {
  return req.op === 'remove' && isUploadTempName(req.path) && ctx.madeHere.delete(host);
}

/** A name inside the root, never the root itself (the server needs it). */
export async function child(ctx: OpsContext, clientPath: string): Promise<string> {
  const host = await ctx.paths.noFollow(clientPath);
  if (host === ctx.paths.jail.root) throw new SftpFailure(STATUS.PERMISSION_DENIED, said`the root cannot be changed`);
  return host;
}

/**
 * child() for a name made, removed or renamed. `d/.` and `latest/..` name a
 * directory by where it is reached from, not by a name of its own: the kernel
 * (and so sftp-server) refuses to remove, rename or make one so.
 */
export async function ownName(ctx: OpsContext, clientPath: string): Promise<string> {
  const last = clientPath.split('/').filter((name) => name !== '').pop();
  if (last === '.' || last === '..') throw new SftpFailure(STATUS.FAILURE, said`${ctx.paths.shown(clientPath)}: Invalid argument (a name ending in "${Said.plain(last)}" is not removed, renamed or made)`);
  return child(ctx, clientPath);
}

/** The OK reply to a change, which is logged, one line each, like transfers. */
export function changed(ctx: OpsContext, id: number, what: string): Buffer {
  ctx.log(`sftp ${what} ok`);
  return statusReply(id, STATUS.OK);
}
