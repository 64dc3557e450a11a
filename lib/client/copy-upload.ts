// cp to the remote. Over SCP, as `scp -O` does it: local paths to a remote
// `scp [-r] [-p] [-d] -t DEST`. Over SFTP (where `--protocol auto` finds the
// subsystem, or `sftp` asks for it): sftp-copy.ts, with the same rules.
// Problems with single items are reported as they happen (onProblem) and
// the copy goes on; the call then rejects with the first. A lost connection
// is retried (copy-retry.ts).
import { stat } from '../fs/byte-fs';
import { ScpipeError, asScpipeError, throwIfAborted, withMessage, type TempLeft } from '../errors';
import { withMissingTargetDirectory } from './missing-directory';
import { remoteScpCommand } from '../protocol/command';
import { ScpSource } from '../protocol/source';
import { startTimeout } from '../protocol/first-reply';
import { sendLocalPaths } from '../fs/local-source';
import { ChannelOpener, type Target } from './connection';
import { oneRun } from './run-target';
import { copyWithRetries } from './copy-retry';
import { checkCounts } from './counts';
import { checkProtocol, scpRefusalHint, sftpOnlyAdvice } from './protocol-choice';
import { checkQuoteMode } from '../protocol/quote';
import { canReconnect, isConnectionLoss } from './reconnect';
import { RemovalAfterAbort } from './sftp-remove-temp';
import { uploadSftp, type SftpTarget } from './sftp-copy';
import { withTempsLeft } from './temps-left';
import { copiedFileOptions } from './copied-file';
import { scpLanding } from './scp-landing';
import { fileProgress } from './copy-progress';
import type { CopyOptions } from './copy-types';
import type { ExitStatus } from '../protocol/channel';
import { tellOnce } from '../util/tell-once';

/** Copies local files (and trees with `recursive`) to `remotePath`. */
export async function upload(target: Target, localPaths: string[], remotePath: string, opts: CopyOptions = {}): Promise<ExitStatus> {
  target = oneRun(target); // run-target.ts: host keys and typed passwords are this call's
  throwIfAborted(opts.signal);
  checkCounts(opts);
  checkProtocol(opts.protocol);
  checkQuoteMode(opts.quote);
  if (localPaths.length === 0) throw new ScpipeError('ERR_USAGE', 'nothing to copy');
  const onCommitted = tellOnce(opts.onCommitted);
  const left = [...localPaths];
  let remoteTarget: SftpTarget | undefined;
  const leftBehind: string[] = [];
  const leftAs = new Map<string, TempLeft>();
  const made = new Set<string>();
  let overScp = false;
  // A parent of DEST not there: named, with how to make it, as put does. Said
  // as a problem first: the same error thrown is then not said twice.
  // Several sources need DEST itself, a directory: its parent is not the one to name.
  const hinted = new WeakMap<object, ScpipeError>();
  const hint = (err: ScpipeError): ScpipeError => {
    if (localPaths.length !== 1) return err;
    const more = hinted.get(err) ?? (withMissingTargetDirectory(err, remotePath, overScp ? undefined : remoteTarget?.path) as ScpipeError);
    hinted.set(err, more);
    return more;
  };
  const onProblem = opts.onProblem && ((err: ScpipeError) => opts.onProblem!(hint(err)));
  // Over SCP the remote scp decides where one directory goes: into DEST when
  // it is a directory, else as DEST. A first attempt may have made DEST, so a
  // second would nest the tree inside it: not retried.
  const oneDirectory = localPaths.length === 1 && Boolean(opts.recursive) && (await isLocalDirectory(localPaths[0]!));
  try {
    return await copyWithRetries(target, { ...opts, onProblem }, () => left[0] ?? localPaths[localPaths.length - 1]!, async (opener, chosen, attemptOpts) => {
      if ('session' in chosen) {
        // Made only if an abort's clean-up needs it: the connection to drop is `opener`'s.
        const fresh = canReconnect(target) ? new ChannelOpener(target, opts.trace) : undefined;
        try {
          await uploadSftp(chosen.session, left, remotePath, attemptOpts, {
            target: remoteTarget,
            onTarget: (t) => (remoteTarget ??= t),
            onDone: () => left.shift(),
            leftBehind,
            leftAs,
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
      // -d: several sources need a directory (docs/protocol.md §4.4).
      const command = remoteScpCommand('sink', remotePath, { ...opts, targetIsDirectory: localPaths.length > 1 });
      const channel = await opener.open(command, opts.signal ?? new AbortController().signal, 'sink');
      const source = new ScpSource(channel, { ...attemptOpts, firstReply: { ms: startTimeout(channel), command } });
      try {
        await source.start();
        while (left.length > 0) {
          const copied = copiedFileOptions(opts);
          await sendLocalPaths(source, [left[0]!], {
            recursive: Boolean(opts.recursive),
            sayUseRecursive: true,
            preserve: Boolean(opts.preserve),
            signal: opts.signal,
            onFileStart: opts.onProgress && fileProgress(opts.onProgress),
            sha256: copied.sha256,
            onFileSent: copied.onFile,
            remoteFile: (names) => scpLanding(remotePath, names, localPaths.length > 1),
            namesAsBytes: true, // a Latin-1 name is sent as its bytes, as OpenSSH's scp does
          });
          left.shift();
        }
        // Every file confirmed before any abort: the commit point (source.ts finish()).
        if (!opts.signal?.aborted && source.problems.length === 0) onCommitted?.();
        return await source.finish();
      } catch (err) {
        source.destroy();
        throw scpRefusalHint(err, opts.protocol, sftpOnlyAdvice(opts));
      }
    }, (protocol) => !(protocol === 'scp' && oneDirectory));
  } catch (caught) {
    let err = caught instanceof ScpipeError ? hint(caught) : caught;
    if (oneDirectory && overScp && isConnectionLoss(err) && opts.retries !== 0) {
      err = said(err, 'not copied again: over SCP a second copy of a directory would land inside the one the first attempt may have made');
    }
    // Temporary files a lost SFTP session kept, and no later attempt removed: named, as put names its own.
    err = withTempsLeft(err, leftBehind.map((path): TempLeft => leftAs.get(path) ?? { path, state: 'partial' }));
    throw asScpipeError(err);
  }
}

// `err` with `more` said after its message.
function said(err: unknown, more: string): unknown {
  if (!(err instanceof ScpipeError)) return err;
  return withMessage(err, `${err.message}; ${more}`, { cause: err });
}

// True for a local directory (or a link to one); anything else is the walker's to report.
async function isLocalDirectory(path: string): Promise<boolean> {
  return stat(path).then((st) => st.isDirectory(), () => false);
}
