// getOverChannel's check of the remote path, before any channel is opened.
import { getOverChannel } from '../../../lib/client/get';
import type { OpenChannel } from '../../../lib/client/connection';

describe('getOverChannel: a remote path that names no file', () => {
  it.each([
    ['/', '"/" does not name a file'],
    ['a/..', '"a/.." does not name a file'],
    ['~', '"~" does not name a file'],
    // The user's own argument, but a terminal must not act on it either (cp's message escapes it too).
    ['x\x1b]0;owned\x07/..', '"x\\x1b]0;owned\\x07/.." does not name a file'],
  ])('%j: ERR_USAGE, before anything is opened', async (path, message) => {
    const open = jest.fn() as unknown as OpenChannel;
    await expect(getOverChannel(open, path)).rejects.toMatchObject({ code: 'ERR_USAGE', message });
    expect(open).not.toHaveBeenCalled();
  });
});
