// How `scpipe serve` lets clients in, from its options: no login at all
// (--no-auth), the keys of an authorized_keys file (read again whenever it
// changes), and a password for --user from the environment.
import { join } from 'node:path';
import { AuthorizedKeysFile, ScpipeError, escapeForTerminal, isScpipeError, type ServeAuth } from '../lib';
import { errnoCode, findHome } from '../lib/internal';

/** The environment variable holding the password for --user. */
export const PASSWORD_ENV = 'SCPIPE_SERVE_PASSWORD';

/** The options serveAuth() reads. */
export interface AuthArgs {
  'no-auth': boolean;
  'authorized-keys'?: string;
  user?: string;
}

/** How serve's clients log in, from its options: none, authorized keys, --user's password. */
export async function serveAuth(args: AuthArgs, say: (line: string) => void): Promise<ServeAuth> {
  if (args['no-auth']) return { none: true };
  const password = process.env[PASSWORD_ENV];
  if (password !== undefined && args.user === undefined) throw new ScpipeError('ERR_USAGE', `${PASSWORD_ENV} is set: name the user with --user`);
  const keysPath = args['authorized-keys'] ?? defaultKeysPath(password !== undefined);
  // Read again at a login whenever it changed, as sshd does: a key removed is refused without a restart.
  const file = keysPath === undefined ? undefined : await AuthorizedKeysFile.load(keysPath, say).catch((err: unknown) => {
    if (args['authorized-keys'] !== undefined) throw err;
    if (password !== undefined) return undefined; // a password alone is enough
    // The default file is not there: say which option names another one.
    if (isScpipeError(err) && errnoCode(err.cause) === 'ENOENT') throw new ScpipeError('ERR_USAGE', `${err.message} (name the keys with --authorized-keys FILE)`, { path: keysPath, cause: err });
    throw err;
  });
  for (const { line, why } of file?.loaded.skipped ?? []) say(`${escapeForTerminal(keysPath!)} line ${line}: key skipped: ${escapeForTerminal(why)}`);
  if (file && file.loaded.size === 0 && password === undefined) throw new ScpipeError('ERR_USAGE', `no usable keys in ${keysPath}`);
  return { authorizedKeysFile: file, user: args.user, password };
}

// ~/.ssh/authorized_keys. With no home: none when a password is given (a password alone
// is enough), else a usage error (exit 2, as for a keys file that is not there).
function defaultKeysPath(passwordGiven: boolean): string | undefined {
  const home = findHome();
  if (typeof home === 'string') return join(home, '.ssh', 'authorized_keys');
  if (passwordGiven) return undefined;
  throw new ScpipeError('ERR_USAGE', `cannot tell where ~/.ssh/authorized_keys is: ${home.why}; name the keys with --authorized-keys FILE`);
}
