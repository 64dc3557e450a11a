// The one place where errors become exit statuses (DESIGN.md "Exit status"):
// 0 success, 1 transfer / remote / local I/O, 2 usage, 255 connect or auth,
// 130 / 143 / 129 after SIGINT / SIGTERM / SIGHUP (serve stops cleanly on
// SIGTERM and exits 0, as sshd: commands/serve.ts).
import { ScpipeError, type ScpipeErrorCode } from '../lib';

/** The exit status after each signal that stops a run: 128 + its number. */
export const SIGNAL_STATUS = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;

const STATUS: Record<ScpipeErrorCode, number> = {
  ERR_USAGE: 2,
  ERR_STDIN_IS_TTY: 2,
  ERR_CANNOT_RESUME: 2,
  ERR_CONNECT: 255,
  ERR_CONNECT_TIMEOUT: 255,
  ERR_AUTH: 255,
  ERR_HOST_KEY_UNKNOWN: 255,
  ERR_HOST_KEY_CHANGED: 255,
  ERR_CONFIG: 255,
  ERR_REMOTE: 1,
  ERR_REMOTE_EXIT: 1,
  ERR_PROTOCOL: 1,
  ERR_LOST_CONNECTION: 1,
  ERR_SIZE_MISMATCH: 1,
  ERR_SPOOL: 1,
  ERR_LOCAL_IO: 1,
  ERR_UNSAFE_NAME: 1,
  ERR_CHECKSUM: 1,
  ERR_NO_SUCH_FILE: 1,
  ERR_PERMISSION_DENIED: 1,
  ERR_NO_SPACE: 1,
  ERR_PROTOCOL_REFUSED: 1,
  ERR_EXISTS: 1,
  ERR_CONFLICT: 1,
  ERR_LOCKED: 1,
  ERR_ABORTED: 130,
};

/** The exit status of an internal error: anything thrown that is not a ScpipeError. */
export const INTERNAL_ERROR_STATUS = 1;

/** The exit status after the signal `name` (130, as after SIGINT, for another or none). */
export function signalStatus(name: string | undefined): number {
  return SIGNAL_STATUS[name as keyof typeof SIGNAL_STATUS] ?? SIGNAL_STATUS.SIGINT;
}

/** Exit status for a failure. */
export function exitStatusFor(err: unknown): number {
  if (!(err instanceof ScpipeError)) return INTERNAL_ERROR_STATUS;
  if (err.code === 'ERR_ABORTED') return signalStatus(err.signal);
  return STATUS[err.code];
}
