// The local end of an upload (`scpipe cp ./a ./b host:dir`): walks local
// paths and drives the source role, as OpenSSH's source()/rsource() do
// (docs/protocol.md §4.1):
//   - each path loses its trailing slashes and is announced by its basename;
//   - symlinks are followed (stat, not lstat), as OpenSSH does;
//   - a regular file is opened first and its size, mode and times come from
//     fstat() of the open file, so they describe the bytes we send;
//   - a directory needs -r: T (with -p), D, its entries in readdir order, E;
//   - anything we cannot send (missing, unreadable, not a regular file, a
//     name the protocol cannot carry) is reported with an unsolicited \1
//     (§4.1 step 4) and the copy goes on; ScpSource.finish() throws the first.
// Differences from OpenSSH: `.`, `..` and `/` are refused here instead of by
// the remote sink (§5.1, which would end the whole session); names with a
// newline are refused (OpenSSH vis-encodes them, so the remote file would get
// a different name); names that are not UTF-8 are refused unless the
// caller asks for them as bytes (serve does, as OpenSSH); a directory symlink loop is reported once instead of
// recursing until the path is too long.
import { createHash } from 'node:crypto';
import { constants, type BigIntStats, type Dir } from 'node:fs';
import { basename } from 'node:path';
import { throwIfAborted, type ScpipeErrorCode } from '../errors';
import { encodeDirectory, encodeFile, type Times } from '../protocol/records';
import { BODY_CHUNK } from '../util/body-chunk';
import { asSaid, said, Said, saidError } from '../util/said';
import { fromBytes } from '../util/byte-text';
import { opendirBytes, stat } from './byte-fs';
import { entryNames } from './dir-entries';
import { closeFd, destroyed, fstatFd, openFd } from './fd';
import { FileReads } from './file-reads';
import { strerror } from './strerror';
import { stripTrailingSlashes } from './target';
import { InOrderWindow } from '../util/in-order-window';
import { timesToSend } from './sent-times';
import type { SendLocalOptions, SourceSession } from './local-source-types';

// A file up to this size may overlap others (filesInFlight): its round
// trips, not its bytes, are its cost. A larger one goes alone, after them.
const SMALL_FILE = 1n << 20n;

/**
 * Sends each path to the sink behind `source` (already start()ed). Local
 * problems are reported and skipped; a lost connection or fatal reply rejects.
 */
export async function sendLocalPaths(source: SourceSession, paths: string[], opts: SendLocalOptions): Promise<void> {
  const walker = new Walker(source, opts);
  try {
    for (const given of paths) {
      throwIfAborted(opts.signal);
      const path = stripTrailingSlashes(given);
      const name = basename(path);
      if (name === '' || name === '.' || name === '..') {
        // The sink would end the session on it (§5.1 "unexpected filename").
        walker.report('ERR_USAGE', given, `cannot send "${name || '/'}" by name; name the files or directory inside`);
        continue;
      }
      await walker.send(path, name);
    }
    await walker.inFlight.settle();
  } finally {
    await walker.inFlight.abandon(); // after a failure: the files still in flight end (and clean up) before this returns
  }
}

// A file's stream destroyed, then its descriptor closed (FileReads never closes it).
async function closed(body: FileReads): Promise<void> {
  await destroyed(body);
  await closeFd(body.fd).catch(() => undefined);
}

class Walker {
  // dev:ino of the directories being sent, to notice a symlink loop.
  private readonly ancestors = new Set<string>();
  // Names of the directories being sent, outermost first.
  private readonly dirs: string[] = [];
  // Small files in flight (filesInFlight): retired in walk order, so
  // onFileSent and a fatal error come as they would one by one.
  readonly inFlight = new InOrderWindow();

  constructor(private readonly source: SourceSession, private readonly opts: SendLocalOptions) {}

  // Said in both forms: escaped for the user (put -r) or serve's log, raw to the peer (serve's download).
  report(code: ScpipeErrorCode, path: string, reason: string | Said, shown = Said.raw(path)): void {
    this.source.reportLocalError(saidError(code, said`${shown}: ${asSaid(reason)}`, { path }));
  }

  private reportIo(path: string, err: unknown): void {
    this.source.reportLocalError(saidError('ERR_LOCAL_IO', said`${path}: ${Said.plain(strerror(err))}`, { path, cause: err }));
  }

  async send(path: string, name: string): Promise<void> {
    const opened = await this.open(path, name);
    if (opened === undefined) return;
    if ('dir' in opened) return this.sendDirectory(path, name, opened.st, opened.dir);
    return this.sendFile(path, name, opened.fd);
  }

  // Checks, stats and opens `path` inside the options' hold (the guard
  // checked what is opened); a problem is reported and gives undefined.
  private async open(path: string, name: string): Promise<{ fd: number } | { dir: Dir; st: BigIntStats } | undefined> {
    const release = await this.opts.hold?.();
    const refuse = (code: ScpipeErrorCode, reason: string): undefined => void this.report(code, path, reason);
    try {
      const refused = await this.opts.guard?.(path);
      if (refused !== undefined) return refuse('ERR_UNSAFE_NAME', refused);
      const st = await stat(path, { bigint: true }); // follows symlinks, like OpenSSH
      if (st.isDirectory() && this.opts.recursive) {
        if (this.ancestors.has(`${st.dev}:${st.ino}`)) return refuse('ERR_LOCAL_IO', 'directory loop (a symbolic link to a parent), not sent');
        if (!this.nameFits(path, () => encodeDirectory(Number(st.mode & 0o7777n), name))) return undefined;
        // Names as bytes: a name that is not UTF-8 is sent as such or
        // refused, never mangled. OpenSSH opens it before sending D.
        return { dir: await this.withDescriptor(() => opendirBytes(path)), st };
      }
      // scp's "not a regular file" for a directory left the -r it needs unsaid (said as an SFTP download says it).
      if (st.isDirectory() && this.opts.sayUseRecursive) return refuse('ERR_LOCAL_IO', 'is a directory (use -r)');
      if (!st.isFile()) return refuse('ERR_LOCAL_IO', 'not a regular file'); // never opened: a FIFO would block
      // O_NONBLOCK: if it became a FIFO since stat(), open must not hang (OpenSSH does the same).
      return { fd: await this.withDescriptor(() => openFd(path, constants.O_RDONLY | constants.O_NONBLOCK)) };
    } catch (err) {
      this.reportIo(path, err); // a dangling symlink: "No such file or directory"
      return undefined;
    } finally {
      release?.();
    }
  }

  private async sendFile(path: string, name: string, fd: number): Promise<void> {
    // The fd is closed once the stream is destroyed (after a read still in the
    // thread pool), even when sendFile() returns before reading it (a \1 to T or C).
    let body: FileReads | undefined;
    let handedOver = false;
    try {
      const st = await fstatFd(fd); // what we send, not what stat() saw before the open
      // Reads of a small file's size (file-reads.ts); an SFTP upload fits a
      // large one's reads to its write requests (client/sftp-file-body.ts).
      body = new FileReads(fd, 0, st.size < BigInt(BODY_CHUNK) ? Math.max(Number(st.size), 1) : BODY_CHUNK);
      if (!st.isFile()) return this.report('ERR_LOCAL_IO', path, 'not a regular file');
      const mode = Number(st.mode & 0o7777n);
      if (!this.nameFits(path, () => encodeFile(mode, st.size, name))) return;
      this.checkSticky(path, mode);
      const window = this.source.filesInFlight ?? 1;
      const overlaps = window > 1 && st.size <= SMALL_FILE;
      if (overlaps) {
        while (this.inFlight.size >= window) await this.inFlight.retireOne();
      } else {
        await this.inFlight.settle();
      }
      const onProgress = this.opts.onFileStart?.(path, st.size);
      const sum = this.opts.sha256 ? createHash('sha256') : undefined;
      // Taken as each read lands, so an SFTP upload can still fit the reads to its requests.
      if (sum) body.hashFirst(st.size, sum);
      const where = this.opts.remoteFile?.([...this.dirs, name]);
      const sending = this.source.sendFile({
        name, size: st.size, mode, times: this.timesOf(path, st), body, excess: 'ignore', onProgress,
        remotePath: where?.path, remoteShown: where?.shown, localPath: path,
      });
      const report = (sent: boolean) => (): void => {
        if (sent) this.opts.onFileSent?.(path, st.size, sum?.digest('hex'));
      };
      const stream = body;
      handedOver = true;
      const done = sending.then(report).finally(() => closed(stream));
      if (overlaps) this.inFlight.add(done);
      else (await done)();
    } finally {
      // Once handed over, `done` closes the stream.
      if (!handedOver && body) await closed(body);
      else if (!handedOver) await closeFd(fd); // fstat failed before the stream was made
    }
  }

  // Out of descriptors (a low `ulimit -n`) while files in flight hold some:
  // one of them ends, closing its own, and the open is tried again.
  private async withDescriptor<T>(open: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await open();
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if ((code !== 'EMFILE' && code !== 'ENFILE') || this.inFlight.unfinished === 0) throw err;
        await this.inFlight.oneEnds();
      }
    }
  }

  private async sendDirectory(path: string, name: string, st: BigIntStats, dir: Dir): Promise<void> {
    const key = `${st.dev}:${st.ino}`;
    const mode = Number(st.mode & 0o7777n);
    this.checkSticky(path, mode);
    try {
      if (!(await this.source.enterDirectory(name, mode, this.timesOf(path, st)))) return; // refused: no entries, no E
      this.ancestors.add(key);
      this.dirs.push(name);
      for await (const bytes of entryNames(dir, this.dirs.length - 1)) {
        throwIfAborted(this.opts.signal);
        const child = this.opts.namesAsBytes ? fromBytes(bytes) : bytes.toString('utf8');
        const childPath = path === '/' ? `/${child}` : `${path}/${child}`;
        if (!this.opts.namesAsBytes && !Buffer.from(child, 'utf8').equals(bytes)) {
          const shown = said`${path}/${Said.bytes(bytes)}`;
          this.report('ERR_LOCAL_IO', childPath, 'name is not valid UTF-8, not sent', shown);
          continue;
        }
        await this.send(childPath, child);
      }
      this.ancestors.delete(key);
      this.dirs.pop();
      await this.inFlight.settle(); // its mode (maybe read-only) and times are set once its files are in
      await this.source.leaveDirectory();
    } finally {
      await dir.close().catch(() => undefined); // closed already when read whole
    }
  }

  // With -p over SCP a sticky directory (a shared 1777 one) would land
  // world-writable without it, as OpenSSH's scp leaves it, in silence: said, exit 1.
  private checkSticky(path: string, mode: number): void {
    if (!this.opts.preserve || this.source.keepsSticky || (mode & 0o1000) === 0) return;
    const octal = (m: number): string => m.toString(8).padStart(4, '0');
    this.report('ERR_LOCAL_IO', path, `its sticky bit (mode ${octal(mode)}) cannot be kept (an scp record carries none): stored as ${octal(mode & ~0o1000)}`);
  }

  // encodeFile()/encodeDirectory() refuse names the protocol cannot carry
  // (newline, too long for a 2047-byte record, §8); report, do not throw.
  private nameFits(path: string, encode: () => Buffer): boolean {
    try {
      encode();
      return true;
    } catch (err) {
      this.report('ERR_LOCAL_IO', path, err instanceof Error ? err.message : String(err));
      return false;
    }
  }

  // With -p: the times to send (sent-times.ts), what they could not keep reported (exit 1).
  private timesOf(path: string, st: BigIntStats): Times | undefined {
    if (!this.opts.preserve) return undefined;
    const { times, lost } = timesToSend(st, this.source.timeRange);
    if (lost !== undefined) this.report('ERR_LOCAL_IO', path, lost);
    return times;
  }
}
