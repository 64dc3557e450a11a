// A client path with `..` in it, resolved as the kernel (and sftp-server)
// would: `..` is the parent of where the names before it lead, through
// symbolic links, so `latest/../x` with `latest -> backups/day` is
// backups/x, not x. The part before the last `..` is walked name by name,
// each name's real path kept inside the root (real-directory.ts): a name
// leading outside is refused, `..` at the root stays there.
// The rest is joined by name and, like any path, checked by the caller.
// A path without `..` costs nothing more than Jail.resolve().
import { posix } from 'node:path';
import { joinName } from '../fs/join-name';
import { strerror } from '../fs/strerror';
import { Said, said, saidError } from '../util/said';
import { OUTSIDE, type Jail } from './jail';
import { LEADS_OUTSIDE, realDirectory } from './real-directory';

/** The host path for `clientPath`, its `..` taken after the links before it. */
export async function locate(jail: Jail, clientPath: string): Promise<string> {
  const lexical = jail.resolve(clientPath); // refuses a NUL
  const names = clientPath.split('/').filter((n) => n !== '' && n !== '.');
  const last = names.lastIndexOf('..');
  if (last < 0) return lexical;
  let cur = jail.root;
  for (let i = 0; i <= last; i++) {
    const name = names[i]!;
    if (name === '..') {
      // cur is a real path: its parent by name is the kernel's `..`.
      if (cur !== jail.root) cur = posix.dirname(cur);
      continue;
    }
    cur = await realDirectoryShown(jail, joinName(cur, name), `/${names.slice(0, i + 1).join('/')}`);
  }
  return names.slice(last + 1).reduce((path, name) => joinName(path, name), cur);
}

// The real directory `hostPath` leads to, said as the scp roles say errors.
async function realDirectoryShown(jail: Jail, hostPath: string, shown: string): Promise<string> {
  let real: string | typeof LEADS_OUTSIDE;
  try {
    real = await realDirectory(jail, hostPath);
  } catch (err) {
    throw saidError('ERR_LOCAL_IO', said`${shown}: ${Said.plain(strerror(err))}`, { path: shown });
  }
  if (real === LEADS_OUTSIDE) {
    throw saidError('ERR_UNSAFE_NAME', said`${shown}: ${Said.plain(OUTSIDE)}`, { path: shown });
  }
  return real;
}
