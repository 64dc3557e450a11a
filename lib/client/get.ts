// `get`: one remote file (or a parts set) as a stream, over SFTP or SCP
// (scp-get.ts), as the host allows. get() resolves as soon as the file's
// header arrives, with its size, mode and a Readable body that ends only after
// the remote confirmed the data (and errors otherwise). A directory or a
// second file is an error.
import { ScpipeError, asScpipeError, isScpipeError } from '../errors';
import type { ReceivedTimes } from '../protocol/sink-types';
import { escapeForTerminal } from '../util/escape';
import type { OpenChannel, Target } from './connection';
import { oneRun } from './run-target';
import { Reconnector } from './reconnect';
import { checkProtocol, chooseProtocol, scpRefusalHint, sftpOnlyAdvice } from './protocol-choice';
import { checkQuoteMode } from '../protocol/quote';
import { getSftp } from './sftp-get';
import { getOverChannel } from './scp-get';
import { partsOf, type Manifest } from './parts/manifest';
import { readParts } from './parts/get-parts';
import { fetchManifestFile } from './parts/fetch-manifest';
import { manifestName, partName, splitRemote } from './parts/names';
import { remoteFileThere } from './remote-file-there';
import { isNotAFile } from './scp-exists';
import { checkCounts } from './counts';
import type { Download, GetOptions } from './get-types';

/**
 * Downloads one remote file through a remote `scp -f`. Resolves when its
 * header arrives, with its size and mode and a Readable `body` that ends only
 * once the transfer is verified (and errors otherwise).
 */
export async function get(target: Target, remotePath: string, opts: GetOptions = {}): Promise<Download> {
  target = oneRun(target); // run-target.ts: host keys and typed passwords are this call's
  checkCounts(opts);
  checkProtocol(opts.protocol);
  checkQuoteMode(opts.quote);
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
    const explained = asScpipeError(scpRefusalHint(await opener.explain(err), opts.protocol, sftpOnlyAdvice(opts)));
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
