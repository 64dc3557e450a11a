import { timesToSend } from '../../../lib/fs/sent-times';

const at = (mtime: bigint, atime = mtime) => ({ mtimeNs: mtime * 1_000_000_000n + 999n, atimeNs: atime * 1_000_000_000n });

describe('timesToSend', () => {
  it('whole seconds, a fraction cut off, as scp sends them', () => {
    expect(timesToSend(at(1_700_000_000n))).toEqual({ times: { mtime: 1_700_000_000n, atime: 1_700_000_000n } });
  });

  it('before 1970 over SCP: 1970, said', () => {
    const r = timesToSend(at(-315_619_200n, 0n));
    expect(r.times).toEqual({ mtime: 0n, atime: 0n });
    expect(r.lost).toBe('its modification time 1960-01-01T00:00:00Z cannot be kept (scp carries no time before 1970): stored with 1970-01-01T00:00:00Z');
  });

  it('past the latest a protocol carries (SFTP: 2^32 - 1): that, said; the access time too', () => {
    const sftp = { latest: 4_294_967_295n, said: 'SFTP carries no time after 2106' };
    const r = timesToSend(at(1_000n, 7_258_118_400n), sftp);
    expect(r.times).toEqual({ mtime: 1_000n, atime: 4_294_967_295n });
    expect(r.lost).toBe('its access time 2200-01-01T00:00:00Z cannot be kept (SFTP carries no time after 2106): stored with 2106-02-07T06:28:15Z');
  });
});
