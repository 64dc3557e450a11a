// `cp` in both directions. Over SCP, as `scp -O` does it: local paths to a
// remote `scp [-r] [-p] [-d] -t DEST`, and a remote `scp [-r] [-p] -f SRC`
// into a local target. Over SFTP (where `--protocol auto` finds the
// subsystem, or `sftp` asks for it): sftp-copy.ts, with the same rules.
// Problems with single items are reported as they happen (onProblem) and
// the copy goes on; the call then rejects with the first. A lost connection
// is retried (copy-retry.ts).
import { stat } from 'node:fs/promises';
import { ScpipeError, asScpipeError, throwIfAborted } from '../errors';
import { escapeForTerminal } from '../util/escape';
import { remoteScpCommand, type RemoteCommandOptions } from '../protocol/command';
import { NameMatcher, requireRemoteBasename } from '../protocol/names';
import { ScpSink } from '../protocol/sink';
import type { SinkHandler } from '../protocol/sink-types';
import { ScpSource } from '../protocol/source';
import type { RoleOptions } from '../protocol/source-types';
import { createLocalSinkAt } from '../fs/local-sink';
import { sendLocalPaths } from '../fs/local-source';
import { pathError } from '../fs/strerror';
import { resolveTarget } from '../fs/target';
import { ChannelOpener, type Target } from './connection';
import { oneRun } from './run-target';
import { copyWithRetries } from './copy-retry';
import { checkCounts } from './counts';
import { scpRefusalHint, type Protocol } from './protocol-choice';
import { canReconnect, isConnectionLoss } from './reconnect';
import { RemovalAfterAbort } from './sftp-remove-temp';
import type { RetryEvent } from './retry';
import { downloadSftp, leftBehindSaid, uploadSftp, type SftpTarget } from './sftp-copy';
import { copiedFileOptions, type CopiedFile } from './copied-file';
import { scpLanding } from './scp-landing';
import { MissingWatch, missingButASet, setHint } from './set-hint';
import { hasWildcard, wildcardHint } from './glob-hint';
import { scpKindOf } from './scp-exists';
import type { Progress } from './progress';
import type { ExitStatus } from '../protocol/channel';
import { tellOnce } from '../util/tell-once';

/** Options of upload() and download(). */
export interface CopyOptions extends RoleOptions, RemoteCommandOptions {
  recursive?: boolean;
  preserve?: boolean;
  /**
   * Default true: a download accepts only the names it asked for (scp's
   * check). false, as scp -T: any name the remote sends, which a hostile or
   * odd server (a remote glob, a shell alias) can use to pick what lands in
   * the target directory; names stay single components either way.
   */
  strictNames?: boolean;
  /** Progress of each file in turn (`name`: the local path sent, or the name received). */
  onProgress?: (p: Progress) => void;
  /** auto (default): SFTP where the subsystem opens, else SCP; remote globs (quote 'none') need SCP. */
  protocol?: Protocol;
  /** Copies again after a lost connection (copy-retry.ts; default retry.ts DEFAULT_RETRIES; 0: none). */
  retries?: number;
  /** Waits before each retry, in ms (default retry.ts DEFAULT_BACKOFF_MS). */
  backoffMs?: readonly number[];
  /** Told before each retry; `source` is the one that was being copied. */
  onRetry?: (event: RetryEvent & { source: string }) => void;
  /** Take each file's SHA-256 in the same pass, for onFileCopied. */
  sha256?: boolean;
  /** A file was stored whole at the other end (again, after a retry copied it again). */
  onFileCopied?: (file: CopiedFile) => void;
  /** upload(): told once every file is stored, before any abort (PutOptions.onCommitted). */
  onCommitted?: () => void;
  /** upload() over SFTP: told of a temporary file a lost connection left that the server would not remove (PutOptions.onTempKept). */
  onTempKept?: (path: string, error: ScpipeError) => void;
}

/** Copies local files (and trees with `recursive`) to `remotePath`. */
export async function upload(target: Target, localPaths: string[], remotePath: string, opts: CopyOptions = {}): Promise<ExitStatus> {
  target = oneRun(target); // run-target.ts: host keys and typed passwords are this call's
  throwIfAborted(opts.signal);
  checkCounts(opts);
  if (localPaths.length === 0) throw new ScpipeError('ERR_USAGE', 'nothing to copy');
  const onCommitted = tellOnce(opts.onCommitted);
  // -d: several sources need a directory (docs/protocol.md §4.4).
  const command = remoteScpCommand('sink', remotePath, { ...opts, targetIsDirectory: localPaths.length > 1 });
  const left = [...localPaths];
  let remoteTarget: SftpTarget | undefined;
  const leftBehind: string[] = [];
  const leftEmpty = new Set<string>();
  const made = new Set<string>();
  let overScp = false;
  // Over SCP the remote scp decides where one directory goes: into DEST when
  // it is a directory, else as DEST. A first attempt may have made DEST, so a
  // second would nest the tree inside it: not retried.
  const oneDirectory = localPaths.length === 1 && Boolean(opts.recursive) && (await isLocalDirectory(localPaths[0]!));
  try {
    return await copyWithRetries(target, opts, () => left[0] ?? localPaths[localPaths.length - 1]!, async (opener, chosen, attemptOpts) => {
      if ('session' in chosen) {
        // Made only if an abort's clean-up needs it: the connection to drop is `opener`'s.
        const fresh = canReconnect(target) ? new ChannelOpener(target, opts.trace) : undefined;
        try {
          await uploadSftp(chosen.session, left, remotePath, attemptOpts, {
            target: remoteTarget,
            onTarget: (t) => (remoteTarget ??= t),
            onDone: () => left.shift(),
            leftBehind,
            leftEmpty,
            made,
            afterAbort: fresh && new RemovalAfterAbort(() => opener.drop(), () => fresh, opts.trace),
          });
          if (!opts.signal?.aborted) onCommitted?.();
          return { code: 0, signal: null };
        } finally {
          chosen.session.end();
          fresh?.close();
        }
      }
      overScp = true;
      const source = new ScpSource(await opener.open(command, opts.signal ?? new AbortController().signal, 'sink'), attemptOpts);
      try {
        await source.start();
        while (left.length > 0) {
          const copied = copiedFileOptions(opts);
          await sendLocalPaths(source, [left[0]!], {
            recursive: Boolean(opts.recursive),
            preserve: Boolean(opts.preserve),
            signal: opts.signal,
            onFileStart: opts.onProgress && fileProgress(opts.onProgress),
            sha256: copied.sha256,
            onFileSent: copied.onFile,
            remoteFile: (names) => scpLanding(remotePath, names, localPaths.length > 1),
          });
          left.shift();
        }
        // Every file confirmed before any abort: the commit point (source.ts finish()).
        if (!opts.signal?.aborted && source.problems.length === 0) onCommitted?.();
        return await source.finish();
      } catch (err) {
        source.destroy();
        throw scpRefusalHint(err, opts.protocol);
      }
    }, (protocol) => !(protocol === 'scp' && oneDirectory));
  } catch (caught) {
    let err = caught;
    if (oneDirectory && overScp && isConnectionLoss(err) && opts.retries !== 0) {
      err = said(err, 'not copied again: over SCP a second copy of a directory would land inside the one the first attempt may have made');
    }
    // Temporary files a lost SFTP session kept, and no later attempt removed: named, as put names its own.
    const leftSaid = leftBehindSaid(leftBehind, leftEmpty);
    if (leftSaid !== undefined) err = said(err, leftSaid);
    throw asScpipeError(err);
  }
}

/** Copies each remote path (a file, or a tree with `recursive`) into `localTarget`. */
export async function download(target: Target, remotePaths: string[], localTarget: string, opts: CopyOptions = {}): Promise<void> {
  target = oneRun(target); // run-target.ts: host keys and typed passwords are this call's
  throwIfAborted(opts.signal);
  checkCounts(opts);
  const left = [...remotePaths];
  // Resolved once: a retry puts a directory where the first attempt did, not inside it.
  const resolved = await resolveTarget(localTarget);
  // Several sources need a directory, as scp's verifydir(): else they would
  // all be written to the one name, each over the last.
  if (remotePaths.length > 1 && !resolved.isDirectory) {
    const message = await stat(localTarget).then(() => `${escapeForTerminal(localTarget)}: Not a directory`, (err: unknown) => pathError(escapeForTerminal(localTarget), err));
    throw new ScpipeError('ERR_LOCAL_IO', message, { path: localTarget });
  }
  const made = new Set<string>();
  await copyWithRetries(target, opts, () => left[0] ?? remotePaths[remotePaths.length - 1]!, async (opener, chosen, attemptOpts, problems) => {
    if ('session' in chosen) {
      try {
        return await downloadSftp(chosen.session, left, resolved, attemptOpts, () => left.shift(), made);
      } finally {
        chosen.session.end();
      }
    }
    while (left.length > 0) {
      const remotePath = left[0]!;
      const glob = opts.quote === 'none';
      if (!glob) requireRemoteBasename(remotePath, 'a file or directory to copy');
      const copied = copiedFileOptions(opts);
      const handler = withProgress(
        createLocalSinkAt(resolved, { preserve: Boolean(opts.preserve), recursive: Boolean(opts.recursive), sha256: copied.sha256, onFileDone: copied.onFile, made, trace: opts.trace }),
        opts.onProgress,
      );
      const command = remoteScpCommand('source', remotePath, opts);
      const channel = await opener.open(command, opts.signal ?? new AbortController().signal, 'source');
      const watch = new MissingWatch();
      const sink = new ScpSink(channel, handler, {
        ...attemptOpts,
        onProblem: (err) => {
          watch.note(err);
          attemptOpts.onProblem?.(err);
        },
        recursive: Boolean(opts.recursive),
        matcher: opts.strictNames === false ? undefined : new NameMatcher(remotePath, { glob }),
        maxTopLevel: glob ? undefined : 1,
        namesAsBytes: true, // a Latin-1 name is stored as its bytes, as OpenSSH's scp does
      });
      await sink.run().then(() => {
        // An honest `scp -f` sends the path or says why not: silence and exit 0 is a broken remote (a wrapper, a ForceCommand).
        if (sink.entries === 0) throw new ScpipeError('ERR_REMOTE', `the remote sent no file for "${escapeForTerminal(remotePath)}"`);
      }).catch(async (caught: unknown) => {
        const err = scpRefusalHint(await opener.explain(caught), opts.protocol);
        if (!(err instanceof ScpipeError) || ['ERR_ABORTED', 'ERR_UNSAFE_NAME', 'ERR_CONNECT', 'ERR_AUTH', 'ERR_HOST_KEY_UNKNOWN', 'ERR_HOST_KEY_CHANGED'].includes(err.code) || isConnectionLoss(err)) throw err;
        watch.note(err);
        // Said now, as an item's problem was: a later source's would otherwise be neither said nor thrown.
        if (!problems.has(err)) attemptOpts.onProblem?.(err);
      });
      const isFile = async (path: string): Promise<boolean> => (await scpKindOf(opener.open, path, attemptOpts)) === 'file';
      if (!glob && (await missingButASet(watch, remotePath, isFile))) attemptOpts.onProblem?.(setHint(remotePath));
      else if (!glob && watch.missing && hasWildcard(remotePath)) attemptOpts.onProblem?.(wildcardHint(remotePath));
      left.shift();
    }
  }).catch((err: unknown) => Promise.reject(asScpipeError(err)));
}

// `err` with `more` said after its message.
function said(err: unknown, more: string): unknown {
  if (!(err instanceof ScpipeError)) return err;
  return new ScpipeError(err.code, `${err.message}; ${more}`, { ...err, cause: err });
}

// True for a local directory (or a link to one); anything else is the walker's to report.
async function isLocalDirectory(path: string): Promise<boolean> {
  return stat(path).then((st) => st.isDirectory(), () => false);
}

// Reports one file's progress: its start, then each count of bytes.
function fileProgress(onProgress: (p: Progress) => void): (name: string, size: bigint) => (bytes: bigint) => void {
  return (name, total) => {
    onProgress({ name, phase: 'transfer', bytes: 0n, total });
    return (bytes) => onProgress({ name, phase: 'transfer', bytes, total });
  };
}

// Wraps a handler so each file's bytes are counted for a progress display.
function withProgress(handler: SinkHandler, onProgress: CopyOptions['onProgress']): SinkHandler {
  if (!onProgress) return handler;
  const onFileStart = fileProgress(onProgress);
  return {
    enterDirectory: (dir, times, depth) => handler.enterDirectory(dir, times, depth),
    leaveDirectory: (depth) => handler.leaveDirectory(depth),
    close: () => handler.close?.() ?? Promise.resolve(),
    openFile: async (file, times, depth) => {
      const w = await handler.openFile(file, times, depth);
      if ('error' in w) return w;
      const tick = onFileStart(file.name, file.size);
      let n = 0n;
      return {
        write: async (chunk) => {
          n += BigInt(chunk.length);
          tick(n);
          await w.write(chunk);
        },
        finish: (r) => w.finish(r),
        abort: () => w.abort(),
      };
    },
  };
}
