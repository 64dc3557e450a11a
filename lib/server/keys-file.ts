// An authorized_keys file read again whenever it changed, as sshd reads it at
// every login: a key removed from the file is refused from the next login on,
// without a restart that would cut every transfer in flight. A stat() of the
// file and of each directory above it per key offered; the file is read and
// parsed only when its stat changed. As sshd's StrictModes, a file another
// user may change (its mode, owner or a directory above it) allows no key:
// that user could add one. Checked at each login, as a directory's mode
// changes no stat of the file.
import { readFile, stat } from 'node:fs/promises';
import { ScpipeError } from '../errors';
import { strerror } from '../fs/strerror';
import { escapeForTerminal } from '../util/escape';
import { SERVER_OPEN_FILE_HINT, outOfDescriptors } from '../util/limits';
import { AuthorizedKeys } from './authorized-keys';
import { deniedToServe } from './serve-uid';
import { fileProblem } from './strict-modes';

/** An authorized_keys file, loaded at start and re-read when it changes. */
export class AuthorizedKeysFile {
  private keys: AuthorizedKeys;
  private stamp: string;
  private pending: Promise<AuthorizedKeys> | undefined;
  // Why others may change the file, while they may: said once.
  private problem: string | undefined;

  private constructor(
    readonly path: string,
    loaded: { keys: AuthorizedKeys; stamp: string },
    private readonly log: (line: string) => void,
  ) {
    this.keys = loaded.keys;
    this.stamp = loaded.stamp;
  }

  /** Loads `path` now: a file that cannot be read is an error, as at start it should be. */
  static async load(path: string, log: (line: string) => void = () => undefined): Promise<AuthorizedKeysFile> {
    const stamp = (await stampOf(path)) ?? 'missing';
    const keys = await AuthorizedKeys.load(path);
    const problem = await fileProblem(path);
    if (problem !== undefined) throw new ScpipeError('ERR_USAGE', `authorized keys ${escapeForTerminal(path)}: ${problem}`, { path });
    return new AuthorizedKeysFile(path, { keys, stamp }, log);
  }

  /** The keys as loaded last (what start-up checks). */
  get loaded(): AuthorizedKeys {
    return this.keys;
  }

  /**
   * The keys as the file says now. A file gone or unreadable allows no key
   * (sshd refuses too), said once in the log until it can be read again.
   */
  current(): Promise<AuthorizedKeys> {
    this.pending ??= this.refresh().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async refresh(): Promise<AuthorizedKeys> {
    const shown = escapeForTerminal(this.path);
    // A file gone or unreadable: the read below says so.
    const problem = await fileProblem(this.path).catch(() => undefined);
    if (problem !== undefined) {
      if (problem !== this.problem) this.log(`authorized keys ${shown}: ${problem}; every key is refused until it is fixed`);
      this.problem = problem;
      this.stamp = 'unsafe'; // read again once fixed, whether the fix changed the file or a directory above it
      this.keys = AuthorizedKeys.parse('');
      return this.keys;
    }
    this.problem = undefined;
    // Stamped before the read: a change during the read shows at the next login.
    const stamp = (await stampOf(this.path)) ?? 'missing';
    if (stamp === this.stamp) return this.keys;
    this.stamp = stamp;
    try {
      const keys = AuthorizedKeys.parse(await readFile(this.path, 'utf8'));
      this.keys = keys;
      this.log(`${shown} changed: ${keys.size} ${keys.size === 1 ? 'key' : 'keys'} from now on`);
      for (const { line, why } of keys.skipped) this.log(`${shown} line ${line}: key skipped: ${escapeForTerminal(why)}`);
    } catch (err) {
      this.keys = AuthorizedKeys.parse('');
      if (outOfDescriptors(err) !== undefined) {
        // The server's want, not the file's: read again at the next login, not only once the file changes.
        this.stamp = 'unread';
        this.log(`cannot read authorized keys ${shown}: ${strerror(err)} (${SERVER_OPEN_FILE_HINT}); this login is refused, the next one reads it again`);
      } else {
        this.log(`cannot read authorized keys ${shown}: ${strerror(err)}${deniedToServe(err)}; every key is refused until it can be read`);
      }
    }
    return this.keys;
  }
}

// What changes when the file is edited, replaced (a new inode) or removed.
async function stampOf(path: string): Promise<string | undefined> {
  const st = await stat(path, { bigint: true }).catch(() => undefined);
  return st && `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}
