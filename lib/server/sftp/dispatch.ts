// Runs one decoded request and returns the reply packet; a failure becomes
// a STATUS reply. Never throws.
import { AppendOnlyRefusal } from './append-only';
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
import { lsetstatPath } from './lsetstat';
import { limitsReply, statusReply } from './replies';
import type { Op, Req, Request } from './requests';
import { storeUpload } from './store-upload';
import { said } from '../../util/said';
import { boundedStatus, toFailure } from './status';
import { STATUS } from './wire';
import { SERVER_OPEN_FILE_HINT } from '../../util/limits';

// Requests that can put a symbolic link where a directory was run alone, and
// mkdir, which puts a directory where a link was: a link's `..` after that
// name (link-text.ts) then leads elsewhere, even above the root. Those on
// handles need no lock (their path was checked at open, and they use the
// descriptor); every other one checks paths and then uses them by name,
// which the first kind must not interleave with (name-lock.ts).
const MOVES_NAMES: ReadonlySet<Op> = new Set(['rename', 'posix-rename', 'hardlink', 'symlink', 'mkdir']);
const ON_HANDLES: ReadonlySet<Op> = new Set(['close', 'read', 'write', 'fstat', 'fsetstat', 'fsync', 'limits', 'unsupported', 'unknown-type']);

// An append-only rename takes the lock itself: it lets go of it while it
// compares a re-sent file with the one stored (store-upload.ts).
function storesUpload(ctx: OpsContext, req: Request): req is Req<'rename' | 'posix-rename'> {
  return ctx.appendOnly && (req.op === 'rename' || req.op === 'posix-rename');
}

/** The reply to `req`. */
export async function dispatch(ctx: OpsContext, req: Request): Promise<Buffer> {
  try {
    if (ON_HANDLES.has(req.op) || storesUpload(ctx, req)) return await run(ctx, req);
    return await ctx.paths.jail.names.with(MOVES_NAMES.has(req.op), () => run(ctx, req));
  } catch (err) {
    const failure = toFailure(err);
    const said = boundedStatus(failure.said);
    const message = said.shown;
    // Out of descriptors is the server's own trouble, not the client's: its operator is told, -v or not.
    if (failure.errno === 'EMFILE' || failure.errno === 'ENFILE') ctx.log(`sftp ${req.op} failed: ${message} (${SERVER_OPEN_FILE_HINT})`);
    // What a compromised client tried is the operator's business, -v or not.
    else if (failure instanceof AppendOnlyRefusal) ctx.log(`sftp ${req.op} refused: ${message}`);
    else if (ctx.verbose) ctx.log(`sftp ${req.op} failed: ${message}`);
    return statusReply(req.id, failure.status, said);
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
    case 'lsetstat':
      return lsetstatPath(ctx, req);
    case 'remove':
    case 'rmdir':
      return removePath(ctx, req);
    case 'mkdir':
      return mkdirPath(ctx, req);
    case 'rename':
    case 'posix-rename':
      return storesUpload(ctx, req) ? storeUpload(ctx, req) : renamePath(ctx, req);
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
      return Promise.resolve(statusReply(req.id, STATUS.OP_UNSUPPORTED, said`unsupported extension ${req.what}`));
    case 'unknown-type': // sftp-server logs and ignores it; a reply keeps the client from waiting forever
      return Promise.resolve(statusReply(req.id, STATUS.OP_UNSUPPORTED, said`unknown request type ${String(req.type)}`));
  }
}
