// The one place that takes a directory by its real path and decides whether
// it is inside the root: `..` after a link (dotdot-walk.ts) and the SFTP
// requests that need a link's directory (sftp/paths.ts) both ask it. It
// names no client path and makes no error of its own: the scp roles say the
// outcome as a Said error, the SFTP session as a status.
import { realpath, stat } from '../fs/byte-fs';
import type { Jail } from './jail';

/** What realDirectory() answers for a directory whose real path is outside the root. */
export const LEADS_OUTSIDE = Symbol('leads outside the root');

/**
 * The real path of directory `hostPath` when it is inside the root, else
 * LEADS_OUTSIDE (whatever it is: nothing outside is looked at further).
 * Rejects with the system error of realpath() or stat(), or ENOTDIR for a
 * path that leads to something other than a directory.
 */
export async function realDirectory(jail: Jail, hostPath: string): Promise<string | typeof LEADS_OUTSIDE> {
  const real = await realpath(hostPath);
  if (!jail.contains(real)) return LEADS_OUTSIDE;
  if (!(await stat(real)).isDirectory()) {
    throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
  }
  return real;
}
