import { withSpoolFullHint } from '../../../cli/spool-full';
import { ScpipeError } from '../../../lib/errors';

// The way past a full spool disk is added to the message; what the error carried stays on it.
describe('withSpoolFullHint', () => {
  const full = (code: string): ScpipeError => {
    const cause = Object.assign(new Error(`${code}: write`), { code });
    return new ScpipeError('ERR_SPOOL', 'the spool file could not be written', { path: '/var/tmp', bytes: 7n, host: 'vault', exitCode: null, cause });
  };

  it.each(['EFBIG', 'EDQUOT'])('keeps the code, every field and the cause of %s', (code) => {
    const err = full(code);
    const told = withSpoolFullHint(err) as ScpipeError;
    expect(told.message).toMatch(/^the spool file could not be written; nothing was sent: over SCP the whole stream is spooled/);
    expect(told).toMatchObject({ code: 'ERR_SPOOL', path: '/var/tmp', bytes: 7n, host: 'vault', exitCode: null });
    expect(told.cause).toBe(err.cause);
  });
});
