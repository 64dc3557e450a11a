// Typed errors for every failure scpipe reports. Each carries a stable `code`
// that programs branch on; the CLI maps codes to exit statuses in one place
// (cli/exit-status.ts). Messages are one short line; anything that came from
// the remote side is escaped (util/escape.ts) before it is put in a message.

import type { CutShort, TempLeft } from './error-records';
import { escapeForTerminal } from './util/escape';

export type { CutShort, TempLeft } from './error-records';

/** Stable error codes. Never rename one: scripts branch on them. */
export type ScpipeErrorCode =
  // usage and local set-up (exit 2)
  | 'ERR_USAGE'
  | 'ERR_STDIN_IS_TTY'
  | 'ERR_CANNOT_RESUME' // get --resume of a single file the protocol cannot start at an offset (SCP)
  // connecting, authenticating, verifying the host (exit 255)
  | 'ERR_CONNECT'
  | 'ERR_CONNECT_TIMEOUT'
  | 'ERR_AUTH'
  | 'ERR_HOST_KEY_UNKNOWN'
  | 'ERR_HOST_KEY_CHANGED'
  | 'ERR_CONFIG'
  // the transfer (exit 1)
  | 'ERR_REMOTE' // the remote scp replied \1 or \2 with a message (other than the three below)
  | 'ERR_REMOTE_EXIT' // the remote command exited non-zero or by a signal
  | 'ERR_PROTOCOL' // the peer sent bytes that break the protocol
  | 'ERR_LOST_CONNECTION' // the channel closed before the protocol finished
  | 'ERR_SIZE_MISMATCH' // the input was shorter or longer than --size, or than a parts set's manifest can list
  | 'ERR_SPOOL' // the spool could not be written (disk full, permissions)
  | 'ERR_LOCAL_IO' // reading input or writing output failed
  | 'ERR_UNSAFE_NAME' // a name from the peer was refused (docs/protocol.md §5)
  | 'ERR_CHECKSUM' // a part of a parts set, or the whole stream, does not match its manifest
  | 'ERR_NO_SUCH_FILE' // the remote file or its directory does not exist (SFTP's status, or scp's strerror)
  | 'ERR_PERMISSION_DENIED' // the server refused access (SFTP's status, or scp's strerror)
  | 'ERR_NO_SPACE' // the remote file system is full (scp's strerror; over SFTP told by statvfs after a failed open, mkdir or write)
  | 'ERR_PROTOCOL_REFUSED' // the server refused the protocol asked for (--protocol sftp or scp)
  | 'ERR_EXISTS' // --no-clobber: the remote file is there already
  | 'ERR_CONFLICT' // another run stored a parts set of the same name while this one sent its parts
  | 'ERR_LOCKED' // another get --resume is restoring into the same file
  // cancellation (exit 130/143)
  | 'ERR_ABORTED';

export interface ScpipeErrorContext {
  /** Message the remote side sent (already escaped for a terminal). */
  remoteMessage?: string;
  /** Remote stderr collected so far (already escaped). */
  remoteStderr?: string;
  /** Remote exit status, when known. */
  exitCode?: number | null;
  /** Remote exit signal, when known. */
  exitSignal?: string | null;
  /** Local or remote path concerned. */
  path?: string;
  /** Host concerned. */
  host?: string;
  /** ERR_NO_SUCH_FILE of an upload: the remote directory its target needs, which is not there. */
  missingDirectory?: string;
  /** Bytes moved before the failure. */
  bytes?: bigint;
  /** SFTP status code (SSH_FX_*) of a failed request. */
  sftpStatus?: number;
  /**
   * ERR_CHECKSUM: the stream's SHA-256 (hex), taken as its bytes went (put --verify) or came (get; a parts set's: its manifest's).
   * ERR_ABORTED with `stored`: the SHA-256 of what was stored, when the call took it (`sha256`).
   */
  sha256?: string;
  /** Signal name that caused an abort (SIGINT, SIGTERM). */
  signal?: string;
  /**
   * An upload that failed once its header was sent (or was refused at the
   * end of its data): the remote file (`path`, else `name`) holds at most
   * `written` of `size` bytes, written over any file of that name; `written`
   * 0 while the header's answer was awaited: it may be there, empty (docs/failures.md).
   */
  cutShort?: CutShort;
  /**
   * A parts upload (put with partSize) that failed: each file of the set it
   * had begun and not seen confirmed (a part, the manifest), with the most it
   * may hold (`written` 0: maybe there, empty; `written` = `size`: all sent,
   * none confirmed); the message names them too.
   */
  partsLeft?: CutShort[];
  /**
   * ERR_ABORTED: the abort came before the call's commit point, but the data
   * was stored all the same (an SFTP rename made while its answer was on its way).
   * ERR_LOCAL_IO of getTo() into a file: the file is in place, whole, but -p's
   * mode or times could not be set on it (its onCommitted was told).
   */
  stored?: boolean;
  /**
   * ERR_NO_SUCH_FILE of an SFTP upload: its temporary file (`path`) was gone
   * when the upload went on after a lost connection, or at its rename (removed
   * while it was written), so nothing was stored and only sending it again
   * whole can mend it (put's parts do, from their spool).
   */
  tempGone?: boolean;
  /**
   * An SFTP upload that failed: its temporary files it could not remove, each
   * with what it holds (docs/failures.md); the message names them too.
   */
  tempsLeft?: TempLeft[];
  /** See ScpipeError.remedyAt. */
  remedyAt?: number;
  cause?: unknown;
}

// Marks a ScpipeError of any copy of scpipe: a program and a library of its
// own may each load one, and `instanceof` should not depend on which.
const BRAND = Symbol.for('scpipe.ScpipeError');

/** The one error class of scpipe; branch on `code`. */
export class ScpipeError extends Error {
  /** True for a ScpipeError made by any copy of scpipe in the process. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
  }

  override readonly name = 'ScpipeError';
  readonly code: ScpipeErrorCode;
  readonly remoteMessage?: string;
  readonly remoteStderr?: string;
  readonly exitCode?: number | null;
  readonly exitSignal?: string | null;
  readonly path?: string;
  readonly host?: string;
  readonly missingDirectory?: string;
  readonly bytes?: bigint;
  readonly signal?: string;
  readonly sftpStatus?: number;
  readonly sha256?: string;
  readonly cutShort?: CutShort;
  readonly partsLeft?: CutShort[];
  readonly stored?: boolean;
  readonly tempGone?: boolean;
  readonly tempsLeft?: TempLeft[];
  /**
   * True on the failure a run of reconnect retries ended with: what catches
   * it does not retry it again. Set by the retries, not a context field;
   * withMessage() keeps it.
   */
  declare readonly retriesSpent?: boolean;
  /**
   * Where in `message` a command that carries out its remedy goes: on
   * ERR_NO_SPACE of a file `scp -t` left cut short, right after "store an
   * empty file over it" (the CLI puts its `scpipe put -O --size 0` there);
   * on ERR_NO_SUCH_FILE with `missingDirectory`, where its `mkdir empty && …
   * HOST:dir` begins (the CLI names the host there).
   * Not enumerable: an offset into the message means nothing to a log.
   */
  declare readonly remedyAt?: number;

  constructor(code: ScpipeErrorCode, message: string, context: ScpipeErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.code = code;
    const { cause: _cause, remedyAt, ...fields } = context;
    Object.assign(this, fields);
    if (remedyAt !== undefined) Object.defineProperty(this, 'remedyAt', { value: remedyAt, enumerable: false, configurable: true });
  }

  /**
   * What JSON.stringify() writes: name, code, message and the context, byte
   * counts as numbers (as in `--json`). Without it a bigint field throws.
   */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { name: this.name, code: this.code, message: this.message };
    for (const [key, value] of Object.entries(this)) {
      if (key !== 'name' && key !== 'code' && value !== undefined) out[key] = plain(value);
    }
    if (this.cause !== undefined) out.cause = this.cause instanceof Error ? causeJson(this.cause) : plain(this.cause);
    return out;
  }
}
Object.defineProperty(ScpipeError.prototype, BRAND, { value: true });

// A context value for toJSON(): bigints (bytes, cutShort's sizes) as numbers; a list (tempsLeft) as one.
function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v]));
}

// A cause that is an Error: its own toJSON() if it is a ScpipeError, else the fields a log needs.
function causeJson(cause: Error): unknown {
  if (cause instanceof ScpipeError) return cause.toJSON();
  const { code } = cause as { code?: unknown };
  return { name: cause.name, message: cause.message, ...(code === undefined ? {} : { code: plain(code) }) };
}

/**
 * `err` itself when it is a ScpipeError; anything else (a caller's callback
 * that threw, a bug) as ERR_LOCAL_IO with it as the `cause`, its message
 * escaped: it may name what the peer sent (a file name in a Node error).
 */
export function asScpipeError(err: unknown): ScpipeError {
  if (err instanceof ScpipeError) return err;
  return new ScpipeError('ERR_LOCAL_IO', `unexpected failure: ${escapeForTerminal((err as Error)?.message ?? String(err))}`, { cause: err });
}

/**
 * `err` told anew: a ScpipeError that says `message`, with err's code, its
 * context fields and its cause, each replaced where `context` gives it (a key
 * given as undefined removes it), `code` too. Anything but a ScpipeError is
 * first made one as asScpipeError() does, so it is the cause. Its remedyAt
 * follows err's message into `message` when that holds it whole; its
 * retriesSpent mark stays (a copy of its fields, `{ ...err }`, has none).
 */
export function withMessage(err: unknown, message: string, context: ScpipeErrorContext & { code?: ScpipeErrorCode } = {}): ScpipeError {
  const from = asScpipeError(err);
  const { message: _m, name: _n, stack: _s, code: _c, ...fields } = from;
  const { code, ...given } = context;
  // The last place: a retelling puts what it adds before err's message (a retry's first loss) or after it.
  const at = from.remedyAt === undefined ? -1 : message.lastIndexOf(from.message);
  const remedyAt = at < 0 ? undefined : at + from.remedyAt!;
  const told = new ScpipeError(code ?? from.code, message, { ...fields, cause: from.cause, remedyAt, ...given });
  // The same failure told with more words: the retries it spent stay spent (client/retry.ts).
  const spent = Object.getOwnPropertyDescriptor(from, 'retriesSpent');
  if (spent !== undefined) Object.defineProperty(told, 'retriesSpent', spent);
  return told;
}

/** True when `err` is a ScpipeError, optionally with the given code. */
export function isScpipeError(err: unknown, code?: ScpipeErrorCode): err is ScpipeError {
  return err instanceof ScpipeError && (code === undefined || err.code === code);
}

/** The error to throw when an AbortSignal fired. */
export function abortError(signal: AbortSignal | undefined): ScpipeError {
  const reason: unknown = signal?.reason;
  if (reason instanceof ScpipeError) return reason;
  const name = typeof reason === 'string' && reason.startsWith('SIG') ? reason : undefined;
  return new ScpipeError('ERR_ABORTED', name ? `interrupted by ${name}` : 'aborted', {
    signal: name,
    cause: reason,
  });
}

/** Throws the abort error if the signal has already fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  checkSignal(signal);
  if (signal?.aborted) throw abortError(signal);
}

/** ERR_USAGE for a `signal` that is not an AbortSignal (the AbortController itself, say). */
export function checkSignal(signal: AbortSignal | undefined): void {
  const s = signal as Partial<AbortSignal> | null | undefined;
  if (s == null || (typeof s.addEventListener === 'function' && typeof s.aborted === 'boolean')) return;
  throw new ScpipeError('ERR_USAGE', `signal: not an AbortSignal${s instanceof AbortController ? ' (an AbortController: pass its .signal)' : ''}`);
}
