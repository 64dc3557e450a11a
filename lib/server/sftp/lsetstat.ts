// lsetstat@openssh.com, what `chmod -h`, `chown -h` and `chgrp -h` of
// OpenSSH's sftp send: setstat of the name itself, as sftp-server's
// fchmodat(), utimensat() and fchownat() with AT_SYMLINK_NOFOLLOW. A name that
// is not a symbolic link is changed as setstat changes it; a link gets its own
// times, never its target's, and no mode (Linux has none for a link).
import { lstat, lutimes } from '../../fs/byte-fs';
import { Said, said } from '../../util/said';
import { allowedAttrChange } from './append-only';
import { refuseIfReadOnly, type OpsContext } from './context';
import { applyAttrs } from './file-ops';
import { child, setstatPath } from './path-ops';
import { statusReply } from './replies';
import type { Req } from './requests';
import { SftpFailure, toFailure } from './status';
import { STATUS } from './wire';

export async function lsetstatPath(ctx: OpsContext, req: Req<'lsetstat'>): Promise<Buffer> {
  refuseIfReadOnly(ctx);
  const shown = ctx.paths.shown(req.path);
  // A name has no size of its own: sftp-server answers Bad message, a link or not.
  if (req.attrs.size !== undefined) throw new SftpFailure(STATUS.BAD_MESSAGE, said`${shown}: lsetstat sets no size`);
  const host = await child(ctx, req.path);
  const st = await lstat(host).catch((err: unknown) => {
    throw toFailure(err, req.path);
  });
  if (!st.isSymbolicLink()) return setstatPath(ctx, { id: req.id, op: 'setstat', path: req.path, attrs: req.attrs });
  // An existing link is kept as any existing file is (links are never made there).
  await allowedAttrChange(ctx, req.path, host, req.attrs);
  await applyAttrs(req.attrs, req.path, {
    truncate: () => Promise.resolve(),
    chmod: () => Promise.reject(new SftpFailure(STATUS.FAILURE, said`${shown}: ${Said.plain('a symbolic link has no mode of its own (Operation not supported)')}`)),
    utimes: (atime, mtime) => lutimes(host, atime, mtime),
    owner: () => Promise.resolve(st.uid),
    group: () => Promise.resolve(st.gid),
  });
  if (ctx.verbose) ctx.log(`sftp lsetstat ${shown} ok`);
  return statusReply(req.id, STATUS.OK);
}
