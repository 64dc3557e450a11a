// `cp` over SFTP, both ways, on one SFTP session: the target is resolved as
// over SCP (an existing directory receives entries by name; otherwise the
// target is the one item's path, and several sources need a directory),
// then the local walker or the remote tree reader does the rest. Remote
// paths are SFTP paths: no shell, no globs, `~/` is the login directory.
import { ScpipeError, isScpipeError, throwIfAborted } from '../errors';
import { createLocalSink } from '../fs/local-sink';
import { sendLocalPaths } from '../fs/local-source';
import { requireRemoteBasename } from '../protocol/names';
import type { SftpSession } from '../sftp/session';
import { escapeForTerminal } from '../util/escape';
import type { CopyOptions } from './copy';
import { sftpPath } from './sftp-paths';
import { SftpTreeReader } from './sftp-tree-reader';
import { SftpTreeWriter } from './sftp-tree-writer';

/** Uploads `localPaths` to `remotePath` over `session`; rejects with the first problem after trying every item. */
export async function uploadSftp(session: SftpSession, localPaths: string[], remotePath: string, opts: CopyOptions): Promise<void> {
  const path = sftpPath(remotePath);
  const st = await session.stat(path).catch((err: unknown) => {
    if (isScpipeError(err, 'ERR_NO_SUCH_FILE')) return undefined;
    throw err;
  });
  const isDirectory = Boolean(st?.isDirectory());
  if (localPaths.length > 1 && !isDirectory) {
    // As `scp -t -d` answers (docs/protocol.md §4.4).
    throw new ScpipeError('ERR_REMOTE', `${escapeForTerminal(path)}: Not a directory`, { path });
  }
  const writer = new SftpTreeWriter(session, { path, isDirectory }, {
    preserve: Boolean(opts.preserve),
    signal: opts.signal,
    trace: opts.trace,
    onProblem: opts.onProblem,
  });
  await sendLocalPaths(writer, localPaths, {
    recursive: Boolean(opts.recursive),
    preserve: Boolean(opts.preserve),
    signal: opts.signal,
    onFileStart: opts.onProgress && ((name, total) => {
      opts.onProgress!({ name, phase: 'transfer', bytes: 0n, total });
      return (bytes) => opts.onProgress!({ name, phase: 'transfer', bytes, total });
    }),
  });
  if (writer.problems[0]) throw writer.problems[0];
}

/** Downloads each remote path into `localTarget` over `session`; rejects with the first problem after trying every item. */
export async function downloadSftp(session: SftpSession, remotePaths: string[], localTarget: string, opts: CopyOptions): Promise<void> {
  const reader = new SftpTreeReader(session, {
    recursive: Boolean(opts.recursive),
    preserve: Boolean(opts.preserve),
    signal: opts.signal,
    trace: opts.trace,
    onProblem: opts.onProblem,
    onFileProgress: opts.onProgress && ((name, bytes, total) => opts.onProgress!({ name, phase: 'transfer', bytes, total })),
  });
  for (const remotePath of remotePaths) {
    throwIfAborted(opts.signal);
    const name = requireRemoteBasename(remotePath, 'a file or directory to copy');
    const sink = await createLocalSink(localTarget, { preserve: Boolean(opts.preserve), recursive: Boolean(opts.recursive) });
    await reader.copy(sftpPath(remotePath), name, sink);
  }
  if (reader.problems[0]) throw reader.problems[0];
}
