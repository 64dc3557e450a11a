import { exitStatusFor } from '../../../cli/exit-status';
import { ScpipeError } from '../../../lib/errors';

describe('exitStatusFor (DESIGN.md exit status)', () => {
  it.each([
    ['ERR_USAGE', 2],
    ['ERR_STDIN_IS_TTY', 2],
    ['ERR_CONNECT', 255],
    ['ERR_CONNECT_TIMEOUT', 255],
    ['ERR_AUTH', 255],
    ['ERR_HOST_KEY_UNKNOWN', 255],
    ['ERR_HOST_KEY_CHANGED', 255],
    ['ERR_CONFIG', 255],
    ['ERR_REMOTE', 1],
    ['ERR_REMOTE_EXIT', 1],
    ['ERR_PROTOCOL', 1],
    ['ERR_LOST_CONNECTION', 1],
    ['ERR_SIZE_MISMATCH', 1],
    ['ERR_SPOOL', 1],
    ['ERR_LOCAL_IO', 1],
    ['ERR_UNSAFE_NAME', 1],
  ] as const)('%s exits %i', (code, status) => {
    expect(exitStatusFor(new ScpipeError(code, 'x'))).toBe(status);
  });

  it('maps aborts to 128 + the signal number', () => {
    expect(exitStatusFor(new ScpipeError('ERR_ABORTED', 'x', { signal: 'SIGINT' }))).toBe(130);
    expect(exitStatusFor(new ScpipeError('ERR_ABORTED', 'x', { signal: 'SIGTERM' }))).toBe(143);
  });

  it('treats anything else as an internal error (1)', () => {
    expect(exitStatusFor(new Error('boom'))).toBe(1);
  });
});
