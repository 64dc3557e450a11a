// The root checked at each session. A backup disk that unmounts leaves its
// empty mount point at the root's path, and uploads then landed, "ok", on
// the file system beneath (filling `/`, hidden again at the next mount).
// sshd's ChrootDirectory follows the path all the same. serve remembers that
// the root has been a mount point (at start, or since) and refuses sessions
// while it is not one any more, saying so once in the log. A disk mounted
// on the root after start is served, as the path says. By its bytes: a
// root reached through a link may have a real path that is not UTF-8.
import { stat } from '../fs/byte-fs';
import { dirname } from 'node:path';
import { strerror } from '../fs/strerror';
import { escapeForTerminal } from '../util/escape';

/** What a session refused for the root's sake is told (no host path). */
export const ROOT_UNAVAILABLE = "the server's storage is not available; try again later";

/** Watches whether the root is there, and still mounted if it was. */
export class RootWatch {
  private said: string | undefined;

  private constructor(
    private readonly root: string,
    private mounted: boolean,
    private readonly log: (line: string) => void,
  ) {}

  /** Notes whether the root is a mount point now. */
  static async start(root: string, log: (line: string) => void): Promise<RootWatch> {
    return new RootWatch(root, await isMountPoint(root), log);
  }

  /** undefined while the root may be served; else why not (logged when that changes). */
  async check(): Promise<string | undefined> {
    const shown = escapeForTerminal(this.root);
    let problem: string | undefined;
    try {
      if (await isMountPoint(this.root)) this.mounted = true;
      else if (this.mounted) problem = `root ${shown} is no longer a mount point (its file system unmounted?): sessions are refused until it is mounted again (or serve restarted)`;
    } catch (err) {
      problem = `root ${shown}: ${strerror(err)}: sessions are refused`;
    }
    if (problem !== this.said) this.log(problem ?? `root ${shown} is back: sessions are served again`);
    this.said = problem;
    return problem;
  }
}

// A directory on another device than its parent's. (A bind mount of the same
// file system does not count; `/` is never one.)
async function isMountPoint(path: string): Promise<boolean> {
  const [self, parent] = await Promise.all([stat(path, { bigint: true }), stat(dirname(path), { bigint: true })]);
  return self.dev !== parent.dev;
}
