// cp from the remote. Over SCP, as `scp -O` does it: a remote
// `scp [-r] [-p] -f SRC` for each source into a local target. Over SFTP
// (where `--protocol auto` finds the subsystem, or `sftp` asks for it):
// sftp-copy.ts, with the same rules. Problems with single items are reported
// as they happen (onProblem) and the copy goes on; the call then rejects
// with the first. A lost connection is retried (copy-retry.ts).
import { stat } from '../fs/byte-fs';
import { ScpipeError, asScpipeError, throwIfAborted } from '../errors';
import { escapeForTerminal } from '../util/escape';
import { remoteScpCommand } from '../protocol/command';
import { NameMatcher, requireRemoteBasename } from '../protocol/names';
import { ScpSink } from '../protocol/sink';
import { createLocalSinkAt } from '../fs/local-sink';
import { pathError } from '../fs/strerror';
import { resolveTarget } from '../fs/target';
import type { Target } from './connection';
import { oneRun } from './run-target';
import { copyWithRetries } from './copy-retry';
import { checkCounts } from './counts';
import { checkProtocol, scpRefusalHint, sftpOnlyAdvice } from './protocol-choice';
import { checkQuoteMode } from '../protocol/quote';
import { isConnectionLoss } from './reconnect';
import { downloadSftp } from './sftp-copy';
import { copiedFileOptions } from './copied-file';
import { MissingWatch, missingButASet, setHint } from './set-hint';
import { hasWildcard, wildcardHint } from './glob-hint';
import { scpKindOf } from './scp-exists';
import { withProgress } from './copy-progress';
import type { CopyOptions } from './copy-types';

/** Copies each remote path (a file, or a tree with `recursive`) into `localTarget`. */
export async function download(target: Target, remotePaths: string[], localTarget: string, opts: CopyOptions = {}): Promise<void> {
  target = oneRun(target); // run-target.ts: host keys and typed passwords are this call's
  throwIfAborted(opts.signal);
  checkCounts(opts);
  checkProtocol(opts.protocol);
  checkQuoteMode(opts.quote);
  if (remotePaths.length === 0) throw new ScpipeError('ERR_USAGE', 'nothing to copy');
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
        const err = scpRefusalHint(await opener.explain(caught), opts.protocol, sftpOnlyAdvice(opts));
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
