// `get`: one remote file (or a parts set) as a stream, over SFTP or SCP
// (scp-get.ts), as the host allows. get() resolves as soon as the file's
// header arrives, with its size, mode and a Readable body that ends only after
// the remote confirmed the data (and errors otherwise). A directory or a
// second file is an error.
import { ScpipeError, asScpipeError, isScpipeError } from '../errors';
import type { ExitStatus } from '../protocol/channel';
import type { RemoteCommandOptions } from '../protocol/command';
import type { ReceivedTimes } from '../protocol/sink-types';
import type { RoleOptions } from '../protocol/source-types';
import { escapeForTerminal } from '../util/escape';
import type { BodyStream } from './body-stream';
import type { OpenChannel, Target } from './connection';
import { oneRun } from './run-target';
import { Reconnector } from './reconnect';
import { chooseProtocol, scpRefusalHint, type Protocol } from './protocol-choice';
import { getSftp } from './sftp-get';
import { getOverChannel } from './scp-get';
import type { RetryEvent } from './retry';
import { partsOf, type Manifest } from './parts/manifest';
import type { PartSpill } from './parts/options';
import type { SpoolShort } from './parts/spool-room';
import type { ResumePoint } from './parts/kept-restore';
import { readParts } from './parts/get-parts';
import { fetchManifestFile } from './parts/fetch-manifest';
import type { FileResumePoint, RemoteVersion } from './kept-file';
import { manifestName, partName, splitRemote } from './parts/names';
import { remoteFileThere } from './remote-file-there';
import { isNotAFile } from './scp-exists';
import { checkCounts } from './counts';
import type { Progress } from './progress';

/** Options of get(). */
export interface GetOptions extends RoleOptions, RemoteCommandOptions {
  /** `auto` (default): SFTP where the subsystem opens, else SCP; or force one. */
  protocol?: Protocol;
  /** `-p`: ask for the file's times (reported in `times`). */
  preserve?: boolean;
  /**
   * getTo() only: the output is the body's one reader and is done with each
   * chunk once its write is called back, so an SFTP download may read into
   * that chunk's memory again (less garbage collection, docs/library.md).
   */
  reuseChunks?: boolean;
  /** Default true: the file must come under the name asked for; false as scp -T (see CopyOptions). */
  strictNames?: boolean;
  /** The bytes received (`name`: the name the remote announced, or the parts set's name). */
  onProgress?: (p: Progress) => void;
  /** A parts set: parts fetched ahead, each over its own channel (default 4); over SFTP: channels to read over (default from the round trip). */
  parallel?: number;
  /** Fetches again after a lost connection (default retry.ts DEFAULT_RETRIES; 0: none). */
  retries?: number;
  backoffMs?: readonly number[];
  /** Each retry; `file`: the part of a parts set fetched again. */
  onRetry?: (event: RetryEvent & { file?: string }) => void;
  /** A parts set: RAM for the parts fetched ahead (default 64 MiB), then files in `spoolDir`. */
  memoryLimit?: number;
  spoolDir?: string;
  /** A parts set: a part fetched ahead went on in a spool file in `dir` (on a RAM file system, it still takes memory). */
  onSpill?: (spill: PartSpill) => void;
  /** A parts set: the spool directory has no room for the parts --parallel fetches ahead, so fewer go at once (`fitted`). */
  onSpoolShort?: (short: SpoolShort) => void;
  /** A parts set: sets read at once into the same spool directory (put's verify of several targets), each fitted to its share. */
  spoolSharedBy?: number;
  /** false: `remotePath` is a plain file only, never a parts set; true: the parts set only (a plain file of its name is passed over). */
  parts?: boolean;
  /**
   * A parts set: also sum the whole stream as it goes out and check it
   * against the manifest's sum, for a caller that reports or compares that
   * sum (getTo's sha256 and expectSha256 set it). Each part is checked
   * against its own sum before it goes out either way, so the bytes are the
   * manifest's without it; it checks the manifest's own last line.
   */
  wholeStreamSum?: boolean;
  /** A parts set: each part once all its bytes went into the body, in order (`index` from 0). */
  onPartOut?: (index: number, name: string) => void;
  /**
   * A parts set: called with its manifest (and the manifest file's SHA-256)
   * before any part is fetched; the body then starts at the part it gives
   * (getTo's `resume`, which keeps the bytes before it).
   */
  resumeAt?: (manifest: Manifest, manifestSha256: string) => Promise<ResumePoint>;
  /**
   * A single file: called with its size and mtime once it is open over SFTP;
   * the body then starts at the offset it gives (getTo's `resume`, which
   * keeps the bytes before it). Over SCP, which cannot start at an offset,
   * a single file is refused (ERR_CANNOT_RESUME) once its header came.
   */
  resumeFile?: (version: RemoteVersion) => Promise<FileResumePoint>;
}

/** A download under way: what the remote announced, and the bytes. */
export interface Download {
  name: string;
  size: bigint;
  mode: number;
  times?: ReceivedTimes;
  /** The file's bytes; ends after the transfer is verified, errors if it fails. */
  body: BodyStream;
  /** Settles with the exit status once the session is over (rejects like body). */
  done: Promise<ExitStatus>;
  /** When `remotePath` named a parts set: its manifest. */
  manifest?: Manifest;
  /** The protocol the bytes come over. */
  protocol: 'scp' | 'sftp';
  /** Why `auto` chose SCP: the SFTP subsystem's refusal. */
  protocolReason?: string;
  /** A single file resumed (`resumeFile`): the body starts after these bytes, already kept. */
  resumed?: FileResumePoint;
}

/**
 * Downloads one remote file through a remote `scp -f`. Resolves when its
 * header arrives, with its size and mode and a Readable `body` that ends only
 * once the transfer is verified (and errors otherwise).
 */
export async function get(target: Target, remotePath: string, opts: GetOptions = {}): Promise<Download> {
  target = oneRun(target); // run-target.ts: host keys and typed passwords are this call's
  checkCounts(opts);
  const conn = new Reconnector(target, opts.trace);
  const { opener } = conn.current();
  const chosen = await chooseProtocol(opener, opts.protocol ?? 'auto', opts.signal, opts.trace, opts.onProtocol).catch((err: unknown) => {
    conn.close();
    throw err;
  });
  if (opts.parts === true) {
    const notASet = new ScpipeError('ERR_NO_SUCH_FILE', `${escapeForTerminal(remotePath)}: no parts set (no ${escapeForTerminal(manifestName(remotePath))})`, { path: remotePath });
    const over = 'session' in chosen ? { ...opts, protocol: 'sftp' as const } : opts;
    if ('session' in chosen) chosen.session.end();
    return getSet(conn, remotePath, over, notASet).catch((err: unknown) => {
      conn.close();
      throw err;
    });
  }
  if ('session' in chosen) return getOverSftp(conn, chosen, remotePath, opts);
  try {
    const setToo = opts.trace && opts.parts !== false ? isSetToo(opener.open, remotePath, opts) : undefined;
    const download = { ...(await getOverChannel(opener.open, remotePath, opts)), protocolReason: chosen.reason };
    if (opts.resumeFile !== undefined) refuseResume(download, remotePath, opts.protocol === 'scp' ? undefined : chosen.reason);
    if (await setToo) opts.trace?.(`${escapeForTerminal(manifestName(remotePath))} exists too: the plain file ${escapeForTerminal(remotePath)} wins`);
    download.done.then(() => conn.close(), () => conn.close());
    return download;
  } catch (err) {
    const explained = asScpipeError(scpRefusalHint(await opener.explain(err), opts.protocol));
    if (opts.parts === false || !(isMissing(explained) || isNotAFile(explained))) {
      conn.close();
      throw explained;
    }
    try {
      return await getSet(conn, remotePath, opts, explained);
    } catch (setErr) {
      conn.close();
      throw setErr;
    }
  }
}

// Over SFTP; a missing file may still be a parts set, fetched over SFTP too
// (a set copied onto an sftp-only host).
async function getOverSftp(conn: Reconnector, chosen: Parameters<typeof getSftp>[1], remotePath: string, opts: GetOptions): Promise<Download> {
  try {
    const download = await getSftp(conn, chosen, remotePath, opts);
    download.done.then(() => conn.close(), () => conn.close());
    return download;
  } catch (err) {
    chosen.session.end(); // its channel: a caller's Client outlives this call
    if (opts.parts === false || !(isScpipeError(err, 'ERR_NO_SUCH_FILE') || isNotAFile(err))) {
      conn.close();
      throw err;
    }
    try {
      return await getSet(conn, remotePath, { ...opts, protocol: 'sftp' }, err);
    } catch (setErr) {
      conn.close();
      throw setErr;
    }
  }
}

// NAME is not there, or is a directory (an earlier scpipe stored `put
// --part-size host:DIR` beside DIR): NAME.sha256 makes it a parts set (manifest.ts).
async function getSet(conn: Reconnector, remotePath: string, opts: GetOptions, missing: unknown): Promise<Download> {
  const { dir, base } = splitRemote(remotePath);
  let manifest: Manifest;
  let mode: number;
  let sha256: string;
  try {
    ({ manifest, mode, sha256 } = await fetchManifestFile(conn, dir, base, opts));
  } catch (err) {
    if (!isMissing(err)) throw err;
    if (!isMissing(missing)) throw missing; // a directory, and no set beside it
    // Neither a file nor a set: the first message says it, unless parts of an unfinished set are there.
    const first = `${dir}${partName(base, 0)}`;
    if (!(await remoteFileThere(conn, opts.protocol === 'sftp' ? 'sftp' : 'scp', first, { ...opts, signal: opts.signal ?? new AbortController().signal }))) throw missing;
    const shown = escapeForTerminal(remotePath);
    throw new ScpipeError('ERR_NO_SUCH_FILE', `${shown}: no such file, but ${escapeForTerminal(first)} is there: a parts set without its manifest ${escapeForTerminal(manifestName(remotePath))}: its upload did not finish, or is still running`, { path: remotePath, cause: missing });
  }
  opts.trace?.(`${escapeForTerminal(remotePath)} is a parts set: ${partsOf(manifest).count} part(s), ${manifest.size} bytes`);
  const from = await opts.resumeAt?.(manifest, sha256);
  const { body, done } = readParts(conn, dir, manifest, opts, from);
  done.then(() => conn.close(), () => conn.close());
  // -p keeps the set's mode (put --mode gave it to every file of the set) and its time, when it was completed.
  return { name: base, size: manifest.size, mode, times: setTimes(manifest.time), body, done, manifest, protocol: opts.protocol === 'sftp' ? 'sftp' : 'scp' };
}

// The manifest's "# time" (ISO 8601) as the set's modification and access time; none if it is not one.
function setTimes(time: string): ReceivedTimes | undefined {
  const ms = Date.parse(time);
  if (!Number.isFinite(ms) || ms < 0) return undefined;
  const seconds = BigInt(Math.floor(ms / 1000));
  const usec = (ms % 1000) * 1000;
  return { mtime: seconds, mtimeUsec: usec, atime: seconds, atimeUsec: usec };
}

// -v: a plain file wins over a set of the same name, said (once the plain
// file is found) when the set's manifest is there too. Never rejects.
async function isSetToo(open: OpenChannel, remotePath: string, opts: GetOptions): Promise<boolean> {
  try {
    const probe = await getOverChannel(open, manifestName(remotePath), { signal: opts.signal, quote: opts.quote, scpPath: opts.scpPath });
    probe.body.on('error', () => undefined);
    probe.body.destroy();
    return true;
  } catch {
    return false; // no set (or no telling)
  }
}

// scp -f sends a file from its first byte: a single file is not resumed, and
// not fetched whole either (the next run would then start over again, unsaid).
function refuseResume(download: Download, remotePath: string, reason?: string): never {
  download.body.on('error', () => undefined);
  download.done.catch(() => undefined);
  download.body.destroy();
  const why = reason === undefined ? 'SCP was asked for' : `the server offers no SFTP (${reason})`;
  throw new ScpipeError(
    'ERR_CANNOT_RESUME',
    `--resume: ${escapeForTerminal(remotePath)} is a single file and ${why}, which sends a file only from its first byte: it cannot be resumed; fetch it whole without --resume (or over SFTP, where the server allows it)`,
    { path: remotePath },
  );
}

function isMissing(err: unknown): boolean {
  return isScpipeError(err, 'ERR_NO_SUCH_FILE'); // SFTP's status, or scp's "No such file or directory"
}
