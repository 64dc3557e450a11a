// Which existing files an SFTP upload refuses to replace: those the mode
// denies this account, as open(2) in `scp -t` would; never one it might write.
import { deniesWrite } from '../../../lib/client/sftp-read-only';

const us = { uid: 1000, gid: 1000 };

describe('deniesWrite', () => {
  it.each([
    ['our own 0644', { mode: 0o100644, uid: 1000, gid: 1000 }, false],
    ['our own 0444', { mode: 0o100444, uid: 1000, gid: 1000 }, true],
    ['our own 0466: the owner bits decide', { mode: 0o100466, uid: 1000, gid: 1000 }, true],
    ["another's 0644, our group", { mode: 0o100644, uid: 0, gid: 1000 }, true],
    ["another's 0664, our group", { mode: 0o100664, uid: 0, gid: 1000 }, false],
    ["another's 0646, our group: the group bits decide", { mode: 0o100646, uid: 0, gid: 1000 }, true],
    ["another's 0644, another group", { mode: 0o100644, uid: 0, gid: 0 }, true],
    ["another's 0666, another group", { mode: 0o100666, uid: 0, gid: 0 }, false],
    ["another's 0664, another group: may be one of ours", { mode: 0o100664, uid: 0, gid: 50 }, false],
  ])('%s', (_, existing, denied) => {
    expect(deniesWrite(existing, us)).toBe(denied);
  });

  it('root may write anything', () => {
    expect(deniesWrite({ mode: 0o100444, uid: 1000, gid: 1000 }, { uid: 0, gid: 0 })).toBe(false);
  });
});
