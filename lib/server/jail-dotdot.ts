// A client path with `..` in it, resolved as the kernel (and sftp-server)
// would: `..` is the parent of where the names before it lead, through
// symbolic links, so `latest/../x` with `latest -> backups/day` is
// backups/x, not x. The part before the last `..` is walked name by name,
// each name's real path kept inside the root (real-directory.ts): a name
// leading outside is refused, `..` at the root stays there.
// The rest is joined by name and, like any path, checked by the caller.
// A path without `..` costs nothing more than Jail.resolve().
import { strerror } from '../fs/strerror';
import { Said, said, saidError } from '../util/said';
import { walkDotdot } from './dotdot-walk';
import { OUTSIDE, type Jail } from './jail';
import { LEADS_OUTSIDE } from './real-directory';

/** The host path for `clientPath`, its `..` taken after the links before it. */
export async function locate(jail: Jail, clientPath: string): Promise<string> {
  const lexical = jail.resolve(clientPath); // refuses a NUL
  const names = clientPath.split('/').filter((n) => n !== '' && n !== '.');
  if (!names.includes('..')) return lexical;
  const walked = await walkDotdot(jail, jail.root, names, { dropAtRoot: true, missingByName: false });
  if ('leadsTo' in walked) return walked.leadsTo;
  // Said as the scp roles say errors, naming the client's path up to that name.
  const shown = `/${names.slice(0, walked.at + 1).join('/')}`;
  if (walked.cause === LEADS_OUTSIDE) {
    throw saidError('ERR_UNSAFE_NAME', said`${shown}: ${Said.plain(OUTSIDE)}`, { path: shown });
  }
  throw saidError('ERR_LOCAL_IO', said`${shown}: ${Said.plain(strerror(walked.cause.error))}`, { path: shown });
}
