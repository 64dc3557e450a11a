// A long status text is cut in the middle: what stays of its end keeps each
// byte of a name that is not UTF-8, and no half of a surrogate pair.
import { boundedStatusText, MAX_STATUS_TEXT } from '../../../../lib/server/sftp/status';
import { fromBytes, toBytes } from '../../../../lib/util/byte-text';

describe('boundedStatusText', () => {
  it('keeps a byte that is not UTF-8 where the kept end begins', () => {
    const end = Buffer.concat([Buffer.from([0xe9]), Buffer.alloc(511, 'b')]);
    const cut = boundedStatusText(`/${'a'.repeat(10_000)}${fromBytes(end)}`);
    expect(cut.length).toBeLessThanOrEqual(MAX_STATUS_TEXT);
    expect(toBytes(cut).subarray(-512)).toEqual(end);
  });

  it('drops the half of a pair that the cut leaves at the kept end', () => {
    const cut = boundedStatusText(`/${'a'.repeat(10_000)}\u{1f600}${'b'.repeat(511)}`);
    expect(cut.endsWith(`…${'b'.repeat(511)}`)).toBe(true);
  });
});
