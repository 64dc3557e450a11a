// statvfs@openssh.com (`df` in OpenSSH's sftp) from Node's fs.statfs().
// statfs(2) has what `df` shows (block size, blocks, free, available,
// inodes); the rest is filled in as Linux's own statvfs() derives it:
// frsize = bsize, favail = ffree. fsid is not available (0), the flags say
// read-only when the server is --read-only, and namemax is 255 (NAME_MAX).
import { statfs } from '../../fs/byte-fs';
import type { OpsContext } from './context';
import { statvfsReply } from './replies';
import { toFailure } from './status';

const ST_RDONLY = 1n;
const NAME_MAX = 255n;

/** The statvfs reply for a host path already checked by the jail. */
export async function vfsStats(ctx: OpsContext, id: number, host: string, clientPath: string): Promise<Buffer> {
  let s;
  try {
    s = await statfs(host, { bigint: true });
  } catch (err) {
    throw toFailure(err, clientPath);
  }
  return statvfsReply(id, {
    bsize: s.bsize,
    frsize: s.bsize,
    blocks: s.blocks,
    bfree: s.bfree,
    bavail: s.bavail,
    files: s.files,
    ffree: s.ffree,
    favail: s.ffree,
    fsid: 0n,
    flag: ctx.readOnly ? ST_RDONLY : 0n,
    namemax: NAME_MAX,
  });
}
