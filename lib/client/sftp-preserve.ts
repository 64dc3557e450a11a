// -p onto a server disk without modes (FAT): sftp-server's fchmod fails, and
// with it the times sent in the same request. scp -p and GNU cp -p store the
// data and say what was not kept (exit 1); so does scpipe, where it dropped
// the file: the times are set alone, and the file is stored.
import type { InputAttributes } from 'ssh2';
import { ScpipeError, isScpipeError } from '../errors';
import type { Times } from '../protocol/records';
import { escapeForTerminal } from '../util/escape';
import { isConnectionLoss } from './reconnect';

/** The server's refusal of a setstat, to be said once the file is stored; a lost connection (or any other failure) is thrown. */
export function refusal(err: unknown): ScpipeError {
  if (isConnectionLoss(err) || !isScpipeError(err) || err.sftpStatus === undefined) throw err;
  return err;
}

/** Sets the times alone after the mode was refused: whether they were kept. */
export function setTimesAlone(setting: Promise<void>): Promise<boolean> {
  return setting.then(() => true, (err: unknown) => (refusal(err), false));
}

/** The failure of a run whose file `target` was stored without what -p asked. */
export function notKept(target: string, refused: ScpipeError, timesKept: boolean): ScpipeError {
  const what = timesKept ? 'its mode' : 'its mode and times';
  return new ScpipeError('ERR_REMOTE', `${escapeForTerminal(target)}: stored, but -p could not keep ${what}: the server said "${refused.remoteMessage ?? ''}"`, {
    path: target,
    remoteMessage: refused.remoteMessage,
    sftpStatus: refused.sftpStatus,
    cause: refused,
  });
}

/** The attributes that set `times` (SFTP's are whole seconds); none without times. */
export function timesAttrs(times: Times | undefined): InputAttributes {
  return times ? { atime: Number(times.atime), mtime: Number(times.mtime) } : {};
}
