// `cp` in both directions. Over SCP, as `scp -O` does it: local paths to a
// remote `scp [-r] [-p] [-d] -t DEST`, and a remote `scp [-r] [-p] -f SRC`
// into a local target. Over SFTP (where `--protocol auto` finds the
// subsystem, or `sftp` asks for it): sftp-copy.ts, with the same rules.
// Problems with single items are reported as they happen (onProblem) and
// the copy goes on; the call then rejects with the first.
import { ScpipeError, throwIfAborted } from '../errors';
import { remoteScpCommand, type RemoteCommandOptions } from '../protocol/command';
import { NameMatcher, requireRemoteBasename } from '../protocol/names';
import { ScpSink } from '../protocol/sink';
import type { SinkHandler } from '../protocol/sink-types';
import { ScpSource, type RoleOptions } from '../protocol/source';
import { createLocalSink } from '../fs/local-sink';
import { sendLocalPaths } from '../fs/local-source';
import { ChannelOpener, type Target } from './connection';
import { chooseProtocol, scpRefusalHint, type Choice, type Protocol } from './protocol-choice';
import { downloadSftp, uploadSftp } from './sftp-copy';
import type { Progress } from './progress';
import type { ExitStatus } from '../protocol/channel';

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
}

// The protocol for a copy; an SFTP session is the caller's to end.
function choose(opener: ChannelOpener, opts: CopyOptions): Promise<Choice> {
  const protocol = opts.protocol ?? (opts.quote === 'none' ? 'scp' : 'auto');
  return chooseProtocol(opener, protocol, opts.signal, opts.trace, opts.onProtocol);
}

/** Copies local files (and trees with `recursive`) to `remotePath`. */
export async function upload(target: Target, localPaths: string[], remotePath: string, opts: CopyOptions = {}): Promise<ExitStatus> {
  throwIfAborted(opts.signal);
  if (localPaths.length === 0) throw new ScpipeError('ERR_USAGE', 'nothing to copy');
  // -d: several sources need a directory (docs/protocol.md §4.4).
  const command = remoteScpCommand('sink', remotePath, { ...opts, targetIsDirectory: localPaths.length > 1 });
  const opener = new ChannelOpener(target, opts.trace);
  try {
    const chosen = await choose(opener, opts);
    if ('session' in chosen) {
      try {
        await uploadSftp(chosen.session, localPaths, remotePath, opts);
        return { code: 0, signal: null };
      } finally {
        chosen.session.end();
      }
    }
    const source = new ScpSource(await opener.open(command, opts.signal ?? new AbortController().signal, 'sink'), opts);
    try {
      await source.start();
      await sendLocalPaths(source, localPaths, {
        recursive: Boolean(opts.recursive),
        preserve: Boolean(opts.preserve),
        signal: opts.signal,
        onFileStart: opts.onProgress && fileProgress(opts.onProgress),
      });
      return await source.finish();
    } catch (err) {
      source.destroy();
      throw scpRefusalHint(err, opts.protocol);
    }
  } finally {
    opener.close();
  }
}

/** Copies each remote path (a file, or a tree with `recursive`) into `localTarget`. */
export async function download(target: Target, remotePaths: string[], localTarget: string, opts: CopyOptions = {}): Promise<void> {
  throwIfAborted(opts.signal);
  const opener = new ChannelOpener(target, opts.trace);
  const problems: ScpipeError[] = [];
  try {
    const chosen = await choose(opener, opts);
    if ('session' in chosen) {
      try {
        return await downloadSftp(chosen.session, remotePaths, localTarget, opts);
      } finally {
        chosen.session.end();
      }
    }
    for (const remotePath of remotePaths) {
      const glob = opts.quote === 'none';
      if (!glob) requireRemoteBasename(remotePath, 'a file or directory to copy');
      const handler = withProgress(
        await createLocalSink(localTarget, { preserve: Boolean(opts.preserve), recursive: Boolean(opts.recursive) }),
        opts.onProgress,
      );
      const command = remoteScpCommand('source', remotePath, opts);
      const channel = await opener.open(command, opts.signal ?? new AbortController().signal, 'source');
      const sink = new ScpSink(channel, handler, {
        ...opts,
        recursive: Boolean(opts.recursive),
        matcher: opts.strictNames === false ? undefined : new NameMatcher(remotePath, { glob }),
        maxTopLevel: glob ? undefined : 1,
      });
      await sink.run().catch(async (caught: unknown) => {
        const err = scpRefusalHint(await opener.explain(caught), opts.protocol);
        if (!(err instanceof ScpipeError) || ['ERR_ABORTED', 'ERR_UNSAFE_NAME', 'ERR_CONNECT'].includes(err.code)) throw err;
        problems.push(err); // already reported through onProblem when it was an item's problem
      });
    }
  } finally {
    opener.close();
  }
  if (problems[0]) throw problems[0];
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
