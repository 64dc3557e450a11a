import { exitStatusFor } from '../../../cli/exit-status';
import { ScpipeError, type ScpipeErrorCode } from '../../../lib/errors';

// Every code, as lib/errors.ts groups them: a code added there fails to
// compile here until its status is written down (a script that tests `$? -eq 1`
// for "retry tomorrow" must not see a 2 or a 255 for a transfer error).
const EXPECTED: Record<Exclude<ScpipeErrorCode, 'ERR_ABORTED'>, number> = {
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
};

describe('exitStatusFor (DESIGN.md exit status)', () => {
  it.each(Object.entries(EXPECTED))('%s exits %i', (code, status) => {
    expect(exitStatusFor(new ScpipeError(code as ScpipeErrorCode, 'x'))).toBe(status);
  });

  it('maps aborts to 128 + the signal number, 130 when no signal is named', () => {
    expect(exitStatusFor(new ScpipeError('ERR_ABORTED', 'x', { signal: 'SIGINT' }))).toBe(130);
    expect(exitStatusFor(new ScpipeError('ERR_ABORTED', 'x', { signal: 'SIGTERM' }))).toBe(143);
    expect(exitStatusFor(new ScpipeError('ERR_ABORTED', 'x', { signal: 'SIGHUP' }))).toBe(129);
    expect(exitStatusFor(new ScpipeError('ERR_ABORTED', 'x'))).toBe(130);
  });

  it('treats anything else as an internal error (1)', () => {
    expect(exitStatusFor(new Error('boom'))).toBe(1);
    expect(exitStatusFor('a string thrown')).toBe(1);
    expect(exitStatusFor(undefined)).toBe(1);
  });
});
