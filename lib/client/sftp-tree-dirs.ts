// The directories of a `cp` upload over SFTP (sftp-tree-writer.ts), as
// OpenSSH's upload_dir makes them: MKDIR'ed with u+wx added, so they can be
// filled, and given their real mode (and times with -p) when left; an
// existing one is used as it is (chmod only with -p, as scp -t does).
import { posix } from 'node:path';
import type { InputAttributes } from 'ssh2';
import { ScpipeError, isScpipeError } from '../errors';
import type { Times } from '../protocol/records';
import type { SftpSession } from '../sftp/session';
import { escapeForTerminal } from '../util/escape';
import { explainSftpFailure } from './sftp-failure-cause';
import { timesAttrs } from './sftp-preserve';

/** Failures after which nothing more can be sent. */
export function isFatal(err: unknown): boolean {
  return !isScpipeError(err) || ['ERR_LOST_CONNECTION', 'ERR_ABORTED', 'ERR_PROTOCOL'].includes(err.code);
}

interface OpenDirectory {
  path: string;
  mode: number;
  times?: Times;
  /** Created by this copy (then its mode is set when left, as scp -t does). */
  created: boolean;
}

/** What RemoteDirectories needs of the writer's options. */
export interface DirectoryOptions {
  preserve: boolean;
  trace?: (line: string) => void;
  /** The directories this copy made, kept across retries (TreeWriterOptions.made). */
  made?: Set<string>;
}

/** The directories entered and not yet left, under `target`. */
export class RemoteDirectories {
  private readonly stack: OpenDirectory[] = [];

  constructor(
    private readonly session: SftpSession,
    private readonly target: { path: string; isDirectory: boolean },
    private readonly opts: DirectoryOptions,
  ) {}

  /** `dir/name` inside the current directory; the target itself for a top-level item of a non-directory target. */
  pathFor(name: string): string {
    const dir = this.stack[this.stack.length - 1];
    if (dir) return posix.join(dir.path, name);
    return this.target.isDirectory ? posix.join(this.target.path, name) : this.target.path;
  }

  /** Makes (or takes as it is) directory `name` of `mode` (the bits it may get) and enters it; rejects with why it cannot. */
  async enter(name: string, mode: number, times?: Times): Promise<void> {
    const path = this.pathFor(name);
    let created = true;
    await this.session.mkdir(path, { mode: mode | 0o300 }).catch(async (err: unknown) => {
      // SFTP v3 has no "exists" status: an existing directory is used as it is.
      // `FILE/`: stat fails there (ENOTDIR) as mkdir did, and FILE is what to name.
      const st = await this.session.stat(path.replace(/(.)\/+$/, '$1')).catch(() => undefined);
      if (!st) throw await explainSftpFailure(this.session, path, path, err);
      if (!st.isDirectory()) throw new ScpipeError('ERR_REMOTE', `${escapeForTerminal(path)}: Not a directory`, { path });
      created = this.opts.made?.has(path) ?? false;
      // Made by an attempt before a lost connection, and given its real mode when left: writable again while it is filled.
      if (created && (st.mode & 0o300) !== 0o300) {
        await this.session.setstat(path, { mode: (st.mode & 0o7777) | 0o300 }).catch((e: unknown) => {
          if (isFatal(e)) throw e; // else its files say why they cannot be stored
        });
      }
    });
    if (created) this.opts.made?.add(path);
    this.stack.push({ path, mode, times, created });
  }

  /** Leaves the current directory: its mode (and times with -p) where this copy made it or -p asks. */
  async leave(): Promise<void> {
    const dir = this.stack.pop();
    if (!dir || !(dir.created || this.opts.preserve)) return;
    const attrs: InputAttributes = { mode: dir.mode, ...(this.opts.preserve ? timesAttrs(dir.times) : {}) };
    // Errors are ignored, as OpenSSH's upload_dir does.
    await this.session.setstat(dir.path, attrs).catch((err: unknown) => {
      if (isFatal(err)) throw err;
      this.opts.trace?.(`sftp: ${escapeForTerminal(dir.path)}: setting mode and times: ${(err as Error).message}`);
    });
  }
}
