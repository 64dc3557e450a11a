// Runs one decoded request and returns the reply packet; a failure becomes
// a STATUS reply. Never throws.
import type { OpsContext } from './context';
import { openDirectory, readDirectory } from './dir-ops';
import { closeHandle, fstatFile, fsetstatFile, fstatvfsFile, fsyncFile, openFile, readFile, writeFile } from './file-ops';
import {
  expandPath,
  mkdirPath,
  readlinkPath,
  realpathPath,
  removePath,
  renamePath,
  setstatPath,
  statPath,
  statvfsPath,
  symlinkPath,
} from './path-ops';
import { MAX_HANDLES } from './handles';
import { limitsReply, statusReply } from './replies';
import type { Request } from './requests';
import { SftpFailure, toFailure } from './status';
import { STATUS } from './wire';

/** The reply to `req`. */
export async function dispatch(ctx: OpsContext, req: Request): Promise<Buffer> {
  try {
    return await run(ctx, req);
  } catch (err) {
    const failure = toFailure(err);
    if (ctx.verbose) ctx.log(`sftp ${req.op} failed: ${failure.message}`);
    return statusReply(req.id, failure.status, failure.message);
  }
}

function run(ctx: OpsContext, req: Request): Promise<Buffer> {
  switch (req.op) {
    case 'open':
      return openFile(ctx, req);
    case 'close':
      return closeHandle(ctx, req);
    case 'read':
      return readFile(ctx, req);
    case 'write':
      return writeFile(ctx, req);
    case 'fstat':
      return fstatFile(ctx, req);
    case 'fsetstat':
      return fsetstatFile(ctx, req);
    case 'fsync':
      return fsyncFile(ctx, req);
    case 'fstatvfs':
      return fstatvfsFile(ctx, req);
    case 'opendir':
      return openDirectory(ctx, req);
    case 'readdir':
      return readDirectory(ctx, req);
    case 'stat':
    case 'lstat':
      return statPath(ctx, req);
    case 'setstat':
      return setstatPath(ctx, req);
    case 'remove':
    case 'rmdir':
      return removePath(ctx, req);
    case 'mkdir':
      return mkdirPath(ctx, req);
    case 'rename':
    case 'posix-rename':
    case 'hardlink':
      return renamePath(ctx, req);
    case 'symlink':
      return symlinkPath(ctx, req);
    case 'realpath':
      return realpathPath(ctx, req);
    case 'expand-path':
      return expandPath(ctx, req);
    case 'readlink':
      return readlinkPath(ctx, req);
    case 'statvfs':
      return statvfsPath(ctx, req);
    case 'limits':
      return Promise.resolve(limitsReply(req.id, MAX_HANDLES));
    case 'unsupported':
      return Promise.resolve(statusReply(req.id, STATUS.OP_UNSUPPORTED, `unsupported extension ${req.what}`));
    case 'not-utf8':
      return Promise.reject(new SftpFailure(STATUS.FAILURE, `${req.shown}: name is not valid UTF-8, refused`));
  }
}
