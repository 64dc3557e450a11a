// `cp` over SFTP, both ways, on one SFTP session: the target is resolved as
// over SCP (an existing directory receives entries by name; otherwise the
// target is the one item's path, and several sources need a directory),
// then the local walker or the remote tree reader does the rest. Remote
// paths are SFTP paths: no shell, no globs, `~/` is the login directory.
import { stat } from '../fs/byte-fs';
import { basename } from 'node:path';
import { MissingWatch, missingButASet, setHint } from './set-hint';
import { hasWildcard, wildcardHint } from './glob-hint';
import { ScpipeError, isScpipeError, throwIfAborted, type TempLeft } from '../errors';
import { createLocalSinkAt } from '../fs/local-sink';
import { sendLocalPaths } from '../fs/local-source';
import type { ResolvedTarget } from '../fs/target';
import { requireRemoteBasename } from '../protocol/names';
import type { SftpSession } from '../sftp/session';
import { escapeForTerminal } from '../util/escape';
import type { CopyOptions } from './copy-types';
import { copiedFileOptions } from './copied-file';
import { absent, sftpPathOn } from './sftp-paths';
import { SftpTreeReader } from './sftp-tree-reader';
import { SftpTreeWriter } from './sftp-tree-writer';
import { removeLeftBehind } from './sftp-left-behind';
import type { RemovalAfterAbort } from './sftp-remove-temp';
import { linkedController } from '../util/abort';
import { replyPool } from '../sftp/reply-pool';

/** Where an upload's entries go: into `path` (a directory), or as `path` itself (the one item). */
export interface SftpTarget {
  path: string;
  isDirectory: boolean;
}

/**
 * A retry's view of an upload: the target as the first attempt resolved it,
 * each source as it is finished, and the temporary files a lost session left
 * (removed by the next attempt).
 */
export interface UploadProgress {
  target?: SftpTarget;
  onTarget?: (target: SftpTarget) => void;
  onDone?: (localPath: string) => void;
  leftBehind?: string[];
  /** What those of them hold that are no partial upload: empty (an open whose answer was lost), whole (lost at the rename). */
  leftAs?: Map<string, TempLeft>;
  /** The directories made so far (a retry fills one left read-only again). */
  made?: Set<string>;
  /** After an abort: where a removal the session is too slow for goes. */
  afterAbort?: RemovalAfterAbort;
}

/** Uploads `localPaths` to `remotePath` over `session`; rejects with the first problem after trying every item. */
export async function uploadSftp(session: SftpSession, localPaths: string[], remotePath: string, opts: CopyOptions, progress: UploadProgress = {}): Promise<void> {
  const target = progress.target ?? (await resolveRemoteTarget(session, await sftpPathOn(session, remotePath), localPaths.length));
  if (!progress.target) await refuseFileIntoMissingDirectory(session, target, localPaths);
  progress.onTarget?.(target);
  if (progress.leftBehind) await removeLeftBehind(session, progress.leftBehind, opts.trace, opts.onTempKept);
  // Each file in flight (16) listens for the abort: on a signal of scpipe's own, not the caller's, whose 10 would warn of a leak.
  const { controller, unlink } = linkedController(opts.signal);
  try {
    await uploadWith(session, target, localPaths, opts, progress, controller.signal);
  } finally {
    unlink();
  }
}

async function uploadWith(session: SftpSession, target: SftpTarget, localPaths: string[], opts: CopyOptions, progress: UploadProgress, signal: AbortSignal): Promise<void> {
  const writer = new SftpTreeWriter(session, target, {
    preserve: Boolean(opts.preserve),
    signal,
    trace: opts.trace,
    onProblem: opts.onProblem,
    onLeftBehind: progress.leftBehind && ((temp, as) => {
      progress.leftBehind!.push(temp);
      if (as) progress.leftAs?.set(temp, as);
    }),
    made: progress.made,
    afterAbort: progress.afterAbort,
  });
  const copied = copiedFileOptions(opts);
  for (const localPath of [...localPaths]) {
    await sendLocalPaths(writer, [localPath], {
      sha256: copied.sha256,
      onFileSent: copied.onFile,
      recursive: Boolean(opts.recursive),
      sayUseRecursive: true,
      preserve: Boolean(opts.preserve),
      signal: opts.signal,
      namesAsBytes: true, // a Latin-1 name goes as its bytes in each request (sftp/byte-requests.ts)
      onFileStart: opts.onProgress && ((name, total) => {
        opts.onProgress!({ name, phase: 'transfer', bytes: 0n, total });
        return (bytes) => opts.onProgress!({ name, phase: 'transfer', bytes, total });
      }),
    });
    progress.onDone?.(localPath);
  }
  await writer.said(); // each problem reported before the first is thrown
  if (writer.problems.first) throw writer.problems.first;
}

// An existing directory receives entries by name; anything else is the one item's path.
async function resolveRemoteTarget(session: SftpSession, path: string, sources: number): Promise<SftpTarget> {
  const st = await session.stat(path).catch(absent);
  const isDirectory = Boolean(st?.isDirectory());
  if (sources > 1 && !isDirectory) {
    // As `scp -t -d` answers (docs/protocol.md §4.4).
    const why = st === undefined ? 'No such file or directory' : 'Not a directory';
    throw new ScpipeError(st === undefined ? 'ERR_NO_SUCH_FILE' : 'ERR_REMOTE', `${escapeForTerminal(path)}: ${why}`, { path });
  }
  return { path, isDirectory };
}

// `f host:dir/` where dir is not a directory: scp -t's open("dir/") fails at
// once (EISDIR). Over SFTP the file would go whole to a temporary name and
// only its rename fail, after every byte was sent: refused before, in the
// words of the several-sources check. A directory (-r) may make `dir/`.
async function refuseFileIntoMissingDirectory(session: SftpSession, target: SftpTarget, localPaths: string[]): Promise<void> {
  if (target.isDirectory || !target.path.endsWith('/') || localPaths.length !== 1) return;
  // A directory, or a source that cannot be read: the walker says what it is.
  if (!(await stat(localPaths[0]!).then((st) => st.isFile(), () => false))) return;
  const bare = target.path.replace(/\/+$/, '') || '/';
  const there = await session.stat(bare).then(() => true, (err: unknown) => (isScpipeError(err, 'ERR_NO_SUCH_FILE') ? false : Promise.reject(err)));
  const why = there ? 'Not a directory' : 'No such file or directory';
  throw new ScpipeError(there ? 'ERR_REMOTE' : 'ERR_NO_SUCH_FILE', `${escapeForTerminal(target.path)}: ${why}`, { path: target.path });
}

/**
 * Downloads each remote path into `localTarget` (resolved already) over
 * `session`; rejects with the first problem after trying every item.
 * `onDone` is told of each path finished; `made` gathers the directories made (a retry's sink fills one left read-only again).
 */
export async function downloadSftp(
  session: SftpSession, remotePaths: string[], localTarget: ResolvedTarget, opts: CopyOptions, onDone?: (remotePath: string) => void, made?: Set<string>,
): Promise<void> {
  let watch = new MissingWatch();
  const lent = { ...replyPool.counts };
  const reader = new SftpTreeReader(session, {
    recursive: Boolean(opts.recursive),
    preserve: Boolean(opts.preserve),
    signal: opts.signal,
    trace: opts.trace,
    onProblem: (err) => {
      watch.note(err);
      opts.onProblem?.(err);
    },
    onFileProgress: opts.onProgress && ((name, bytes, total) => opts.onProgress!({ name, phase: 'transfer', bytes, total })),
  });
  for (const remotePath of [...remotePaths]) {
    throwIfAborted(opts.signal);
    // The root of a chroot or of `serve` has no name: with -r its entries go
    // into the target (made if missing, else merged into), as `scp -r host:/ DIR` does.
    const whole = opts.recursive && isTopDirectory(remotePath);
    const name = whole ? basename(localTarget.path) : requireRemoteBasename(remotePath, 'a file or directory to copy');
    const copied = copiedFileOptions(opts);
    const into = whole ? { ...localTarget, isDirectory: false } : localTarget;
    const sink = createLocalSinkAt(into, { preserve: Boolean(opts.preserve), recursive: Boolean(opts.recursive), sha256: copied.sha256, onFileDone: copied.onFile, made, trace: opts.trace });
    watch = new MissingWatch();
    try {
      await reader.copy(await sftpPathOn(session, remotePath), name, sink);
    } finally {
      await sink.close();
    }
    const isFile = async (path: string): Promise<boolean> => (await session.stat(await sftpPathOn(session, path))).isFile();
    if (await missingButASet(watch, remotePath, isFile)) opts.onProblem?.(setHint(remotePath));
    else if (watch.missing && hasWildcard(remotePath)) opts.onProblem?.(wildcardHint(remotePath));
    onDone?.(remotePath);
  }
  opts.trace?.(`sftp: replies read into memory used again: ${replyPool.counts.reused - lent.reused}, into fresh memory: ${replyPool.counts.fresh - lent.fresh}`);
  if (reader.firstProblem) throw reader.firstProblem;
}

// `/`, `.` and their spellings (`//`, `/.`, `./`): the remote root or the
// login directory, which no name stands for.
function isTopDirectory(path: string): boolean {
  return /^(\/+|\/*\.\/*)$/.test(path);
}
