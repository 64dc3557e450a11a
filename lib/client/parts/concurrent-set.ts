// Two runs storing a parts set of one name at the same time (a nightly job
// that overran into the next night's, a retry script started while the
// first try still ran) write over each other's parts, and each would end
// with exit 0 and its manifest over a mix of both. So the manifest is looked
// at before the first part goes and again before this run's own goes: one
// that appeared or changed meanwhile is another run's: this run's manifest
// still goes (the other's, written first, is the likelier to list parts
// this run wrote over), and the run fails (ERR_CONFLICT) saying so. A
// check, not a lock: two runs whose manifests go within the same round trip
// are not told apart.
import { ScpipeError, isScpipeError } from '../../errors';
import type { RemoteCommandOptions } from '../../protocol/command';
import { escapeForTerminal } from '../../util/escape';
import { getOverChannel } from '../scp-get';
import { scpRefusalHint } from '../protocol-choice';
import type { Reconnector } from '../reconnect';
import { inSftpSession } from '../sftp-look';
import { absent, sftpPathOn } from '../sftp-paths';
import { isNameTooLong, nameTooLongError } from '../../protocol/name-max';

/** A manifest's size and modification time (seconds); null when none is there. */
export type Stamp = { size: bigint; mtime: bigint } | null;

/** The stamp of `path`, or undefined when it cannot be looked up (an upload-only host, a lost connection); a name too long is an error. */
export async function manifestStamp(conn: Reconnector, protocol: 'scp' | 'sftp', path: string, opts: RemoteCommandOptions & { signal: AbortSignal }): Promise<Stamp | undefined> {
  try {
    if (protocol === 'scp') {
      try {
        return await scpStamp(conn, path, opts);
      } catch (err) {
        if (scpRefusalHint(err, 'auto') === err) throw err; // else an sftp-only host: look there
      }
    }
    return await sftpStamp(conn, path, opts);
  } catch (err) {
    // Its parts' names are as long (.000000, .sha256): none could be stored.
    if (isNameTooLong(err)) throw nameTooLongError(path, err, "the parts set's names (NAME.000000 … NAME.sha256, 7 bytes longer than NAME)");
    return undefined;
  }
}

async function scpStamp(conn: Reconnector, path: string, opts: RemoteCommandOptions & { signal: AbortSignal }): Promise<Stamp> {
  try {
    // `scp -p -f`: its T line gives the time, its C line the size; no data is read.
    const probe = await getOverChannel(conn.current().open, path, { signal: opts.signal, quote: opts.quote, scpPath: opts.scpPath, strictNames: false, preserve: true });
    probe.done.catch(() => undefined);
    probe.body.on('error', () => undefined);
    probe.body.destroy();
    if (probe.times === undefined) throw new Error('no times');
    return { size: probe.size, mtime: probe.times.mtime };
  } catch (err) {
    if (isScpipeError(err, 'ERR_NO_SUCH_FILE')) return null;
    throw err;
  }
}

function sftpStamp(conn: Reconnector, path: string, opts: { signal: AbortSignal }): Promise<Stamp> {
  return inSftpSession(conn, opts.signal, async (session) => {
    const attrs = await sftpPathOn(session, path).then((p) => session.stat(p)).catch(absent);
    return attrs === undefined ? null : { size: BigInt(attrs.size), mtime: BigInt(attrs.mtime) };
  });
}

/** True when the manifest is not as it was when this run began. */
export function changedSince(before: Stamp, now: Stamp): boolean {
  if (before === null || now === null) return before !== now;
  return before.size !== now.size || before.mtime !== now.mtime;
}

/** The error of a run that found another run's manifest made or changed while it sent its parts. */
export function conflictError(setPath: string, manifestPath: string, before: Stamp): ScpipeError {
  const shown = escapeForTerminal(setPath);
  return new ScpipeError(
    'ERR_CONFLICT',
    `${shown}: another run stored a parts set of this name while this one was sending (${escapeForTerminal(manifestPath)} ${before === null ? 'appeared' : 'changed'}), ` +
      "so each may have written over the other's parts: this run's manifest replaced that one's, and `scpipe get` checks every part and refuses one that is the other's; " +
      'run again, and give each run a name of its own',
    { path: setPath },
  );
}
