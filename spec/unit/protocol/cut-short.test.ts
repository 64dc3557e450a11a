import { ScpipeError } from '../../../lib/errors';
import { cutShort } from '../../../lib/protocol/cut-short';

describe('cutShort', () => {
  const file = { name: 'db.zst', size: 2_621_440n, remotePath: 'backups/db.zst' };
  const lost = new ScpipeError('ERR_LOST_CONNECTION', 'connection lost while sending the file data');

  // The bytes counted are those handed to the connection: with -l most of
  // them may still have been waiting. "all N bytes sent" read as a whole file.
  it('every byte handed over but none confirmed: still "at most", and says why', () => {
    const err = cutShort(lost, file, file.size) as ScpipeError;
    expect(err.message).toBe(
      'connection lost while sending the file data; the remote file backups/db.zst is left cut short: at most 2621440 of 2621440 bytes written (all handed to the connection, none confirmed), over the start of any file of that name (a longer one keeps its bytes past them)',
    );
    expect(err.cutShort).toEqual({ name: 'db.zst', path: 'backups/db.zst', written: file.size, size: file.size });
  });

  it('part of the bytes: at most those', () => {
    const err = cutShort(lost, file, 1_048_576n) as ScpipeError;
    expect(err.message).toContain('left cut short: at most 1048576 of 2621440 bytes written, over the start');
  });

  it('a refusal the remote sent is not a cut (the remote said what it kept)', () => {
    const refused = new ScpipeError('ERR_REMOTE', 'scp: backups/db.zst: Permission denied');
    expect(cutShort(refused, file, 10n)).toBe(refused);
  });
});
