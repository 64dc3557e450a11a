// One SFTP session (one channel) as promises, on ssh2's client: each
// request as ssh2 sends it, or as its bytes where a path is not UTF-8
// (byte-requests.ts). How the channel ends and each request settles with it
// is session-life.ts's: an upload waiting for its input learns of a lost
// channel at once (onLost()), not at its next write.
import { performance } from 'node:perf_hooks';
import type { InputAttributes, OpenMode, SFTPWrapper, Stats } from 'ssh2';
import { ScpipeError } from '../errors';
import { hasMarks } from '../util/byte-text';
import { escapeForTerminal } from '../util/escape';
import { FXP, openFlags, sendFields, sendNamed } from './byte-requests';
import { tapNames, type NameTap } from './name-bytes';
import { expandPath } from './expand-path';
import { remoteFileSystem, type RemoteFileSystem, type StatvfsReply } from './statvfs';
import { SFTP_STATUS, namelessReply } from './status';
import { SessionLife } from './session-life';
import type { StallWatch } from '../transport/stall-watch';
import { readUncopied, type Done } from './read-uncopied';
import type { ReplyPool } from './reply-pool';
import { capRequestLengths, requestLimits, type SftpLimits } from './request-limits';
import { writeUncopied } from './write-uncopied';
import { wrongKind, type ReplyKind } from './reply-kinds';

export type { SftpLimits } from './request-limits';
export type { RemoteFileSystem } from './statvfs';

/** See the file comment. */
export class SftpSession {
  private readonly life: SessionLife;
  private readonly names: NameTap | undefined; // names of replies as their bytes (name-bytes.ts)

  /** `whyLost`: what the transport knows of a lost connection (ChannelOpener.whyLost); `stall`: --stall-timeout's watch. */
  constructor(readonly raw: SFTPWrapper, readonly label = 'sftp', whyLost?: () => string | undefined, stall?: StallWatch) {
    this.names = tapNames(raw);
    this.life = new SessionLife(raw, whyLost, stall, this.names);
    capRequestLengths(raw);
  }

  /** Request sizes: ssh2 reads limits@openssh.com when offered; else its guess by server name. */
  get limits(): SftpLimits {
    return requestLimits(this.raw);
  }

  /** True when the server offered the extension (OpenSSH's are all version "1"). */
  has(extension: string): boolean {
    const exts = (this.raw as unknown as { _extensions?: Record<string, string> })._extensions ?? {};
    return exts[extension] !== undefined;
  }

  get ended(): boolean {
    return this.life.ended;
  }

  /**
   * Calls `listener` (once) with the error a request on `path` would now
   * get, when the channel ends other than by end() (soon, when it already
   * has); returns the unsubscribe.
   */
  onLost(path: string, listener: (err: ScpipeError) => void): () => void {
    return this.life.onLost(path, listener);
  }

  // A path holding a byte that is not UTF-8 goes as its bytes (byte-requests.ts); any other through ssh2.
  private byPath<T>(what: string, kind: ReplyKind, paths: string[], type: number, fields: Array<string | number>, viaSsh2: (done: Done<T>) => void, attrs?: InputAttributes, shown = paths[0]!): Promise<T> {
    return this.life.call<T>(what, shown, (done) => {
      if (!(paths.some(hasMarks) && sendFields(this.raw, type, fields, done, attrs))) viaSsh2(done);
    }, kind);
  }

  // A request answered by one name, read as its bytes (name-bytes.ts).
  private named(what: string, path: string, type: number, viaSsh2: (done: Done<string>) => void): Promise<string> {
    return this.life.call<string>(what, path, (done) => {
      this.life.expecting(what, path, 'NAME', () => sendNamed(this.raw, this.names, type, [path], this.oneName(what, path, done)) || viaSsh2(done));
    });
  }

  // The callback of a request answered by a NAME of one entry: its name, to `done`.
  private oneName(what: string, path: string, done: Done<string>): (err?: Error, names?: Array<{ filename?: unknown }>) => void {
    return (err, names) => {
      if (err) done(err);
      else if (!Array.isArray(names)) this.life.violated(wrongKind(what, path, 'NAME', names)), done(undefined);
      else if (typeof names[0]?.filename !== 'string') done(namelessReply(what, path));
      else done(undefined, names[0].filename);
    };
  }

  // async: flags a caller got wrong reject (ERR_USAGE) rather than throw; the request still goes at once.
  async open(path: string, flags: OpenMode, attrs: InputAttributes = {}): Promise<Buffer> {
    return this.byPath('open', 'HANDLE', [path], FXP.OPEN, [path, openFlags(flags)], (done) => this.raw.open(path, flags, attrs, done), attrs);
  }

  /** `data` must stay unchanged until the returned promise settles (write-uncopied.ts). */
  write(handle: Buffer, data: Buffer, position: number, path: string): Promise<void> {
    return this.life.call('write', path, (done) => {
      if (!writeUncopied(this.raw, handle, data, position, (err, reply) => done(err, reply as undefined))) {
        this.raw.write(handle, data, 0, data.length, position, (err) => done(err)); // ssh2 answers a whole write with its length
      }
    }, 'STATUS');
  }

  /**
   * Up to `length` bytes at `position`; fewer at the end of the file (none past it).
   * `pool`: the reply may be joined into a buffer lent from it (reply-pool.ts).
   */
  read(handle: Buffer, length: number, position: number, path: string, pool?: ReplyPool): Promise<Buffer> {
    return this.life.call('read', path, (done) => this.life.expecting(`read at ${position}`, path, 'DATA', () => {
      if (length > this.limits.maxRead) {
        const buf = Buffer.allocUnsafe(length); // ssh2 splits it into several requests
        this.raw.read(handle, buf, 0, length, position, (err: Error | undefined, n: number) => done(err, buf.subarray(0, n ?? 0)));
      } else readUncopied(this.raw, handle, length, position, done, pool && ((reqid) => this.names?.pool(reqid, pool)), (why) => this.life.violated(why), path);
    }));
  }

  fstat(handle: Buffer, path: string): Promise<Stats> {
    return this.life.call('fstat', path, (done) => this.raw.fstat(handle, done), 'ATTRS');
  }

  fsetstat(handle: Buffer, attrs: InputAttributes, path: string): Promise<void> {
    return this.life.call('setstat', path, (done) => this.raw.fsetstat(handle, attrs, done), 'STATUS');
  }

  stat(path: string): Promise<Stats> {
    return this.byPath('stat', 'ATTRS', [path], FXP.STAT, [path], (done) => this.raw.stat(path, done));
  }

  lstat(path: string): Promise<Stats> {
    return this.byPath('lstat', 'ATTRS', [path], FXP.LSTAT, [path], (done) => this.raw.lstat(path, done));
  }

  readlink(path: string): Promise<string> {
    return this.named('readlink', path, FXP.READLINK, (done) => this.raw.readlink(path, done));
  }

  /** The server's canonical path (links followed). */
  realpath(path: string): Promise<string> {
    return this.named('realpath', path, FXP.REALPATH, (done) => this.raw.realpath(path, done));
  }

  setstat(path: string, attrs: InputAttributes): Promise<void> {
    return this.byPath('setstat', 'STATUS', [path], FXP.SETSTAT, [path], (done) => this.raw.setstat(path, attrs, done), attrs);
  }

  mkdir(path: string, attrs: InputAttributes): Promise<void> {
    return this.byPath('mkdir', 'STATUS', [path], FXP.MKDIR, [path], (done) => this.raw.mkdir(path, attrs, done), attrs);
  }

  opendir(path: string): Promise<Buffer> {
    return this.byPath('opendir', 'HANDLE', [path], FXP.OPENDIR, [path], (done) => this.raw.opendir(path, done));
  }

  /** One batch of a listing (`.` and `..` left out by ssh2), or undefined at its end. */
  readdir(handle: Buffer, path: string): Promise<unknown[] | undefined> {
    return this.life.call<unknown[] | undefined>('readdir', path, (done) => {
      const listed = (err: (Error & { code?: unknown }) | undefined, list: unknown): void => {
        if (err && err.code === SFTP_STATUS.EOF) done(undefined, undefined);
        else if (!err && !Array.isArray(list)) this.life.violated(wrongKind('readdir', path, 'NAME', list)), done(undefined);
        else done(err, list as unknown[]);
      };
      this.life.expecting('readdir', path, 'NAME', () => sendNamed(this.raw, this.names, FXP.READDIR, [handle], listed) || this.raw.readdir(handle, listed));
    });
  }

  fsync(handle: Buffer, path: string): Promise<void> {
    return this.life.call('fsync', path, (done) => this.raw.ext_openssh_fsync(handle, done), 'STATUS');
  }

  close(handle: Buffer, path: string): Promise<void> {
    return this.life.call('close', path, (done) => this.raw.close(handle, done), 'STATUS');
  }

  /** posix-rename@openssh.com: replaces `to` atomically. */
  posixRename(from: string, to: string): Promise<void> {
    return this.byPath('rename', 'STATUS', [from, to], FXP.EXTENDED, ['posix-rename@openssh.com', from, to], (done) => this.raw.ext_openssh_rename(from, to, done), undefined, to);
  }

  /** SFTP v3 rename: fails when `to` exists. */
  rename(from: string, to: string): Promise<void> {
    return this.byPath('rename', 'STATUS', [from, to], FXP.RENAME, [from, to], (done) => this.raw.rename(from, to, done), undefined, to);
  }

  unlink(path: string): Promise<void> {
    return this.byPath('remove', 'STATUS', [path], FXP.REMOVE, [path], (done) => this.raw.unlink(path, done));
  }

  /** expand-path@openssh.com: the server's expansion of a `~user/` path, or undefined when not offered. */
  async expandPath(path: string): Promise<string | undefined> {
    if (!this.has('expand-path@openssh.com')) return undefined;
    return this.life.call<string>('expand-path', path, (done) => {
      // Not a lost session (which would be retried): this ssh2's internals differ from those expand-path.ts writes into.
      let sent = false;
      this.life.expecting('expand-path', path, 'NAME', () => (sent = expandPath(this.raw, path, this.oneName('expand-path', path, done))));
      if (!sent) done(new ScpipeError('ERR_USAGE', `"${escapeForTerminal(path)}": the ssh2 module in use cannot send expand-path@openssh.com (not the internals scpipe knows): give the full path, or use SCP (-O)`, { path }));
    });
  }

  /** statvfs@openssh.com (ssh2 names its fields `f_…`): room for an unprivileged user, or undefined when not offered. */
  async fileSystem(path: string): Promise<RemoteFileSystem | undefined> {
    if (!this.has('statvfs@openssh.com')) return undefined;
    const ext = 'statvfs@openssh.com';
    const info = await this.life.call<StatvfsReply>('statvfs', path, (done) => {
      if (!(hasMarks(path) && sendFields(this.raw, FXP.EXTENDED, [ext, path], done, undefined, undefined, ext))) this.raw.ext_openssh_statvfs(path, done);
    }, 'EXTENDED');
    return remoteFileSystem(info);
  }

  /** fileSystem()'s free bytes: the call of scpipe before b570fdd, kept for code written for it. */
  async freeBytes(path: string): Promise<number | undefined> {
    return (await this.fileSystem(path))?.freeBytes;
  }

  /** The round trip of the cheapest request (the best of `tries` `stat .`), in ms. */
  async roundTripMs(tries = 2): Promise<number> {
    let best = Infinity;
    for (let i = 0; i < tries; i++) {
      const asked = performance.now();
      await this.stat('.');
      best = Math.min(best, performance.now() - asked);
    }
    return best;
  }

  /** Ends the channel (pending requests fail). */
  end(): void {
    this.life.end();
  }
}
