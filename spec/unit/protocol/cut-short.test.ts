import { ScpipeError } from '../../../lib/errors';
import { cutShort, mostLeft } from '../../../lib/protocol/cut-short';
import { describeLeft } from '../../../lib/client/parts/left-parts';

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

describe('mostLeft: what a remote file may hold after two attempts (scp -t neither truncates on open nor after a failed write)', () => {
  const at = (written: bigint, failed?: boolean) => ({ name: 'db.000000', written, size: 10n, ...(failed ? { failed } : {}) });
  const a = at(7n), b = at(7n);

  it('the one that wrote more, failed or not, in either order', () => {
    for (const [fewer, more] of [[at(6n), at(7n)], [at(6n, true), at(7n)], [at(6n), at(7n, true)], [at(6n, true), at(7n, true)], [at(9n), at(10n, true)]]) {
      expect(mostLeft(fewer, more)).toBe(more);
      expect(mostLeft(more, fewer)).toBe(more);
    }
  });

  it('at the same length, the one whose write did not fail, earlier or later', () => {
    for (const n of [0n, 7n, 10n]) {
      const ok = at(n), failed = at(n, true);
      expect(mostLeft(failed, ok)).toBe(ok);
      expect(mostLeft(ok, failed)).toBe(ok);
    }
  });

  it('at the same length when both or neither failed, the later', () => {
    expect(mostLeft(a, b)).toBe(b);
    const f = at(10n, true), g = at(10n, true);
    expect(mostLeft(f, g)).toBe(g);
  });

  it('the one there is, when the other left nothing said', () => {
    expect(mostLeft(a, undefined)).toBe(a);
    expect(mostLeft(undefined, b)).toBe(b);
    expect(mostLeft(undefined, undefined)).toBeUndefined();
  });

  it('a full-size write that failed, then all bytes handed over and lost: said as maybe whole, not as fewer than its bytes', () => {
    const most = mostLeft(at(10n, true), at(10n))!;
    const said = describeLeft('db', [{ index: 0, written: most.written, size: most.size, failed: most.failed }]);
    expect(said).toBe('; all bytes handed to the connection, none confirmed (whole or cut short remotely, in no manifest): db.000000');
  });
});
