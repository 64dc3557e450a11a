// Where an upload to a remote symbolic link goes: through it, to the file it
// leads to, as OpenSSH's `scp -t` and `sftp` write (open() follows links),
// also a file the link names that is not there yet. Renaming the new file
// over the link instead would drop the link and store the bytes beside it,
// maybe on another file system than the one the link points into.
import { posix } from 'node:path';
import { ScpipeError } from '../errors';
import type { SftpSession } from '../sftp/session';
import { escapeForTerminal } from '../util/escape';

/** Links followed in one chain (Linux's MAXSYMLINKS). */
const MAX_HOPS = 40;

/** `path`, or the end of its chain of links; rejects as the server does, or with ELOOP's words. */
export async function throughLinks(session: SftpSession, path: string): Promise<string> {
  let cur = path;
  for (let hops = 0; ; hops++) {
    // Missing: open(O_CREAT) makes it. Any other failure is left to the open that follows to say.
    const st = await session.lstat(cur).catch(() => undefined);
    if (!st?.isSymbolicLink()) return cur;
    if (hops >= MAX_HOPS) throw new ScpipeError('ERR_REMOTE', `${escapeForTerminal(path)}: Too many levels of symbolic links`, { path });
    const to = await session.readlink(cur);
    // Not normalised: the server resolves `sub/../x` as the kernel does, `sub` first.
    cur = posix.isAbsolute(to) ? to : `${posix.dirname(cur)}/${to}`;
  }
}
