// Builds the messages for a remote command that went away or exited badly.
// The reply reader only knows "EOF"; the exit status and the remote's stderr,
// which arrive a moment later, say why (rssh refusal, scp not installed).
import { ScpipeError, withMessage, type ScpipeErrorCode } from '../errors';
import { escapeForTerminal } from '../util/escape';
import type { ExitStatus } from './channel';
import type { RemoteStderr } from './remote-stderr';

const STAGES: Record<string, string> = {
  start: 'before the transfer started',
  T: 'after the times record',
  C: 'after the file header',
  D: 'after the directory header',
  E: 'after the end of a directory',
  end: 'before confirming the data',
  warn: 'before confirming the data',
  data: 'while sending the file data',
  spool: 'while the input was being spooled, before the file header (nothing was sent)',
  // A download's file came whole, its status byte too; the remote's end (its exit status) did not.
  received: "after the file's data came whole, before the remote's exit status",
  // The same inside a directory (-r): its end, and whatever else it holds, did not come.
  receivedInDirectory: 'after a file inside a directory came whole, before the rest of the directory',
  // The same where the remote may send several (a glob): its next file may have been owed too.
  receivedOfSeveral: "after a file's data came whole, before the remote's next file or its exit status",
};

/** The error for a message the remote sent (a \1 or \2 line, a stray line): escaped once, here. */
export function remoteError(rawMessage: string): ScpipeError {
  const text = escapeForTerminal(rawMessage);
  return new ScpipeError(codeOf(text), `remote: ${text}`, { remoteMessage: text });
}

/**
 * The source's \1 after a file's data: OpenSSH's scp -f could not read the
 * file to its end and sent filler (zeros) for the rest (docs/protocol.md
 * §4.2). Its "Broken pipe" is atomicio's word for a read that found the end
 * early, not a pipe: said plainly, so it is not taken for the local one.
 */
export function unreadRestError(rawMessage: string): ScpipeError {
  const err = remoteError(rawMessage);
  return new ScpipeError(err.code, `${err.message} ${unreadRestNote(err.remoteMessage!)}`, { remoteMessage: err.remoteMessage });
}

/** What unreadRestError() adds to the remote's (escaped) `text`. */
export function unreadRestNote(text: string): string {
  const why = /: Broken pipe$/.test(text) ? 'the file got shorter while the remote read it' : 'the remote could not read the file to its end';
  return `(${why}, and sent filler in place of the rest: the bytes received are not the file)`;
}

// scp says the failures a program most often branches on in strerror's
// words; they get the codes SFTP's statuses get, whichever protocol ran.
// OpenSSH's (and ProFTPD's) put them after the path, asyncssh's before it
// (`scp: No such file or directory: /path`): get of a parts set took that
// answer for its missing plain file as a failure.
function codeOf(message: string): ScpipeErrorCode {
  const says = (why: string): boolean => new RegExp(`: (?:${why})$|^(?:scp: )?(?:${why}): `).test(message);
  if (says('No such file or directory')) return 'ERR_NO_SUCH_FILE';
  if (says('Permission denied')) return 'ERR_PERMISSION_DENIED';
  // scpipe serve's scp adds the file's size and the room left: `…: No space left on device (the file is 3 MiB, …)`.
  if (says('No space left on device|Disk quota exceeded') || /: No space left on device \(the file is [^()]*\)$/.test(message)) return 'ERR_NO_SPACE';
  return 'ERR_REMOTE';
}

/** The remote's stderr as RemoteStderr.said() gives it: its first line (quoted by the message) and its tail (kept in the error). */
export interface StderrSaid {
  first: string;
  tail: string;
}

/**
 * The error for a remote command that ended with a bad status, or undefined.
 * `whyLost`: what the transport knows of a lost connection (a keepalive
 * timeout), said instead of the remote's stderr.
 */
export function describeExit(status: ExitStatus, said: StderrSaid, stage?: string, whyLost?: string): ScpipeError | undefined {
  if (status.code === 0) return undefined;
  const when = stage ? ` ${STAGES[stage] ?? ''}`.trimEnd() : '';
  const stderr = said.tail;
  const tail = said.first ? `: ${said.first}` : '';
  if (whyLost !== undefined && status.code === null && status.signal === null) {
    // A stall's own words already say it waited for the exit status.
    const at = stage === 'received' && /exit status/.test(whyLost) ? " after the file's data came whole" : when;
    return new ScpipeError('ERR_LOST_CONNECTION', `connection lost${at}: ${whyLost}`, { remoteStderr: stderr || undefined });
  }
  const ctx = { exitCode: status.code, exitSignal: status.signal, remoteStderr: stderr || undefined };
  if (status.code === 127) {
    return new ScpipeError('ERR_REMOTE_EXIT', `remote scp was not found (exit status 127)${tail}; is scp installed there? (see --scp-path)`, ctx);
  }
  if (status.code !== null) {
    return new ScpipeError('ERR_REMOTE_EXIT', `remote command exited with status ${status.code}${when}${tail}`, ctx);
  }
  if (status.signal !== null) {
    return new ScpipeError('ERR_REMOTE_EXIT', `remote command was killed by signal ${status.signal}${when}${tail}`, ctx);
  }
  return new ScpipeError('ERR_LOST_CONNECTION', `connection lost${when}${tail}`, ctx);
}

const CHANNEL_GONE = new Set(['EPIPE', 'ECONNRESET']);

/** Turns a reply reader's "connection closed" (or a write's EPIPE) into a precise error. */
export async function explainLoss(
  err: unknown,
  stage: string,
  exit: Promise<ExitStatus>,
  stderr: RemoteStderr,
  whyLost?: () => string | undefined,
): Promise<ScpipeError> {
  // Heard even when not waited for: it rejects on an abort, maybe after we return.
  const status = exit.catch((): ExitStatus => ({ code: null, signal: null }));
  // A write into a channel whose other end went (the ssh child exited) is a lost connection, said by the exit and whyLost, not "write EPIPE".
  if (CHANNEL_GONE.has(String((err as { code?: unknown } | null)?.code))) err = new ScpipeError('ERR_LOST_CONNECTION', 'connection lost', { cause: err });
  if (!(err instanceof ScpipeError) || err.code !== 'ERR_LOST_CONNECTION') {
    stderr.release();
    return err instanceof ScpipeError ? err : new ScpipeError('ERR_LOST_CONNECTION', `connection failed: ${String(err)}`, { cause: err });
  }
  const exited = await status;
  const described = describeExit(exited.code === 0 ? { code: null, signal: null } : exited, stderr.said(), stage, whyLost?.());
  stderr.release(described);
  return described === undefined ? err : retoldAs(err, described);
}

// `err` said as `described` says it, keeping what only err knew (a reply cut
// short's text as remoteMessage, its cause) where described says nothing of it.
function retoldAs(err: ScpipeError, described: ScpipeError): ScpipeError {
  const { message, name: _n, stack: _s, code, ...fields } = described;
  const given = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  return withMessage(err, message, { ...given, code });
}

/**
 * The error for a sink whose channel ended inside a record or, `inData`,
 * inside a file's body or before its status byte; `status`: the exit status
 * as far as it came.
 */
export function sinkLossError(status: ExitStatus, inData: boolean, stderr: StderrSaid, whyLost?: string): ScpipeError {
  const base = inData ? 'connection lost in the middle of a file' : 'connection lost in the middle of a record';
  const ctx = { exitCode: status.code, exitSignal: status.signal };
  if (whyLost !== undefined) return new ScpipeError('ERR_LOST_CONNECTION', `${base}: ${whyLost}`, ctx);
  const why = describeExit(status.code === 0 ? { code: null, signal: null } : status, stderr);
  // A bare "connection lost" from describeExit would only repeat `base`; its stderr line is worth keeping.
  const detail = why?.code === 'ERR_LOST_CONNECTION' ? why.message.replace(/^connection lost:? ?/, '') : why?.message;
  return new ScpipeError('ERR_LOST_CONNECTION', detail ? `${base} (${detail})` : base, ctx);
}
